extern alias ingest;
using System.Text;
using ingest::Ms5.Ingest.Replay;

namespace Ms5.Integration.Tests.Ingest;

/// <summary>Reading replay files: RFC 4180 CSV through CsvHelper, JSON arrays; no service needed.</summary>
public sealed class ReplayReaderTests : IDisposable
{
    private static readonly Guid Id = Guid.Parse("6f1c0a4e-8d2b-4c1e-9a57-3b0f5e2d7c11");
    private readonly string _dir = Directory.CreateTempSubdirectory("ms5-replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<CsvRow> Rows(string text) => CsvRows.Read(new StringReader(text)).ToList();

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void CsvRows_QuotedCommasQuotesAndLineBreaks_AreOneField()
    {
        var rows = Rows("a,b,c\r\n1,\"x, \"\"y\"\"\",\"multi\nline\"\n2,,last\n");

        Assert.Equal(3, rows.Count);
        Assert.Equal((1, "a,b,c"), (rows[0].Line, rows[0].Raw));
        Assert.Equal(["a", "b", "c"], rows[0].Fields);
        Assert.Equal(["1", "x, \"y\"", "multi\nline"], rows[1].Fields);
        Assert.Equal(["2", "", "last"], rows[2].Fields);
    }

    [Fact]
    public void CsvRows_LineNumber_IsTheLineTheRecordStartsOn_CountingLinesInsideQuotesAndBlankLines()
    {
        var rows = Rows("h1,h2\n\"a\nb\nc\",1\n\n2,3\n4,5");

        Assert.Equal([1, 2, 6, 7], rows.Select(r => r.Line));
    }

    [Fact]
    public void CsvRows_Raw_IsTheRecordAsInTheFile_WithoutTheLineBreak()
    {
        var rows = Rows("h1,h2\r\n\"x, \"\"y\"\"\",\"a\r\nb\"\r\n");

        Assert.Equal("\"x, \"\"y\"\"\",\"a\r\nb\"", rows[1].Raw);
    }

    [Fact]
    public void CsvRows_Fields_AreTrimmedInsideAndOutsideQuotes()
    {
        Assert.Equal(["a", "b", "c d"], Rows("h\n  a , \" b \",c d\n")[1].Fields);
    }

    [Fact]
    public void CsvRows_RowWithAnotherFieldCount_IsReadAsItIs()
    {
        var rows = Rows("a,b,c\nonly,two\n1,2,3,4\n");

        Assert.Equal([3, 2, 4], rows.Select(r => r.Fields.Length));
    }

    [Fact]
    public void ReadCsv_EmptyCells_AreAbsent_AndNumericColumnsAreNumbers()
    {
        var file = Write("e.csv", $"eventId,machineId,ts,type,state,reason,good,reject,goodTotal,rejectTotal,extra\n{Id},m1,2026-11-26T06:00:00Z,count,,,12,0,,,kept\n");

        var record = Assert.Single(ReplayReader.Read(file));

        Assert.Equal($"{{\"eventId\":\"{Id}\",\"machineId\":\"m1\",\"ts\":\"2026-11-26T06:00:00Z\",\"type\":\"count\",\"good\":12,\"reject\":0,\"extra\":\"kept\"}}", Encoding.UTF8.GetString(record.Value));
        Assert.Equal((2, "m1", false), (record.Line, Encoding.UTF8.GetString(record.Key!), record.DirectToDlq));
        Assert.Empty(record.Problems);
    }

    [Fact]
    public void ReadCsv_BlankRowsBeforeTheHeaderAndBetweenRecords_AreSkipped()
    {
        var file = Write("b.csv", $"\n,,\neventId,machineId,good\n\n{Id},m1,1\n , ,\n{Id},m2,2\n");

        Assert.Equal([5, 7], ReplayReader.Read(file).Select(r => r.Line));
    }

    [Fact]
    public void ReadCsv_RowWithAnotherFieldCount_GoesToTheDlqWithItsRawTextAndLine()
    {
        var file = Write("f.csv", "eventId,machineId,good\n\"a,b\",two\n");

        var record = Assert.Single(ReplayReader.Read(file));

        Assert.True(record.DirectToDlq);
        Assert.Equal((2, "\"a,b\",two"), (record.Line, Encoding.UTF8.GetString(record.Value)));
        Assert.Equal(new("$", "CSV line 2 has 2 fields, the header has 3"), Assert.Single(record.Problems));
    }

    [Fact]
    public void ReplayReader_CsvRow_BecomesContractJson_WithNumbersAsNumbers()
    {
        var json = Encoding.UTF8.GetString(ReplayReader.ToJson(["eventId", "machineId", "good", "reject", "extra"], [Id.ToString(), "m1", "12", "", "kept"]));
        Assert.Equal($"{{\"eventId\":\"{Id}\",\"machineId\":\"m1\",\"good\":12,\"extra\":\"kept\"}}", json);
    }

    [Fact]
    public void ReplayReader_ReadsJsonArrayFiles_AndReportsLocalProblems()
    {
        var file = Write("a.json", $"[{{\"eventId\":\"{Id}\",\"machineId\":\"m1\",\"ts\":\"2026-11-26T06:00:00Z\",\"type\":\"count\",\"good\":1,\"reject\":0}}, {{\"machineId\":\"m2\"}}]");

        var records = ReplayReader.Read(file).ToList();

        Assert.Equal(2, records.Count);
        Assert.Empty(records[0].Problems);
        Assert.Equal("m1", Encoding.UTF8.GetString(records[0].Key!));
        Assert.Equal(["eventId", "ts", "type"], records[1].Problems.Select(p => p.Field).ToArray());
        Assert.Equal("m2", Encoding.UTF8.GetString(records[1].Key!));
    }
}
