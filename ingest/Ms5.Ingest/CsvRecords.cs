using System.Text;

namespace Ms5.Ingest;

/// <summary>
/// RFC 4180 records: comma-separated, double-quoted fields may hold commas, quotes ("") and line
/// breaks. Hand-written because CsvHelper 34 (the registry's version) replaced the reader API this
/// needs, and replay only needs raw fields with their line numbers.
/// </summary>
internal static class CsvRecords
{
    public static IEnumerable<(int Line, string[] Fields, string Raw)> Read(TextReader reader)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var raw = new StringBuilder();
        var line = 1;
        var startLine = 1;
        var quoted = false;
        var fieldStarted = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            var ch = (char)c;
            if (quoted)
            {
                raw.Append(ch);
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        raw.Append('"');
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    if (ch == '\n')
                    {
                        line++;
                    }

                    field.Append(ch);
                }

                continue;
            }

            switch (ch)
            {
                case '"' when !fieldStarted || field.Length == 0:
                    quoted = true;
                    fieldStarted = true;
                    raw.Append(ch);
                    break;
                case ',':
                    fields.Add(field.ToString().Trim());
                    field.Clear();
                    fieldStarted = false;
                    raw.Append(ch);
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString().Trim());
                    yield return (startLine, fields.ToArray(), raw.ToString());
                    fields.Clear();
                    field.Clear();
                    raw.Clear();
                    fieldStarted = false;
                    line++;
                    startLine = line;
                    break;
                default:
                    field.Append(ch);
                    fieldStarted = true;
                    raw.Append(ch);
                    break;
            }
        }

        if (field.Length > 0 || fields.Count > 0 || raw.Length > 0)
        {
            fields.Add(field.ToString().Trim());
            yield return (startLine, fields.ToArray(), raw.ToString());
        }
    }
}
