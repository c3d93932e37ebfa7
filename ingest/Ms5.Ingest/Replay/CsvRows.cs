using System.Text;
using CsvHelper;

namespace Ms5.Ingest.Replay;

/// <summary>One CSV record: the line it starts on, its fields (unquoted, trimmed) and its text as in the file.</summary>
internal sealed record CsvRow(int Line, string[] Fields, string Raw);

/// <summary>RFC 4180 records of a replay file, read by CsvHelper with its options set for replay.</summary>
internal static class CsvRows
{
    private static readonly CsvReaderOptions Options = CsvReaderOptions.Default with
    {
        // Comma-separated by definition: a guessed separator would change how a file reads.
        Separator = ',',
        // ReplayReader takes the first non-blank record as the header, so a leading blank row is skipped like every blank row.
        HasHeader = false,
        AllowLineBreaksInQuotes = true,
        TrackLineNumbers = true,
        TrimWhitespace = true,
        TrimInsideQuotes = true,
        // Rows with the wrong field count are dead-lettered by ReplayReader with a reason, not dropped here.
        FieldCountMismatch = CsvFieldCountHandling.Allow,
        // A stray quote is read as text: the historian judges the values, as for every other record.
        MalformedData = CsvMalformedDataHandling.Recover,
    };

    public static IEnumerable<CsvRow> Read(TextReader reader)
    {
        using var csv = CsvReader.Create(reader, Options, leaveOpen: true);
        while (csv.Read())
        {
            var fields = new string[csv.FieldCount];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = csv.GetString(i) ?? "";
            }

            yield return new CsvRow(checked((int)csv.LineNumber), fields, Encoding.UTF8.GetString(csv.RawRecord));
        }
    }
}
