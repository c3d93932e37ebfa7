using System.Globalization;
using System.Text;
using System.Text.Json;
using Ms5.Ops.Checks;

namespace Ms5.Ops.Output;

/// <summary>The run's result as an aligned table with a summary line, or as JSON {checks:[{name,status,ms,detail}],passed}.</summary>
internal static class Report
{
    /// <summary>True when no check failed (a SKIP is a check that does not apply here).</summary>
    public static bool Passed(IReadOnlyCollection<CheckResult> results) => results.All(r => r.Status != CheckStatus.Fail);

    public static string StatusText(CheckStatus status) => status switch
    {
        CheckStatus.Pass => "PASS",
        CheckStatus.Fail => "FAIL",
        _ => "SKIP",
    };

    public static string Table(IReadOnlyList<CheckResult> results, long totalMs)
    {
        ArgumentNullException.ThrowIfNull(results);
        var rows = new List<string[]> { new[] { "check", "result", "ms", "detail" } };
        rows.AddRange(results.Select(r => new[] { r.Name, StatusText(r.Status), r.Ms.ToString(CultureInfo.InvariantCulture), r.Detail }));
        var nameWidth = rows.Max(r => r[0].Length);
        var msWidth = rows.Max(r => r[2].Length);
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            sb.Append(r[0].PadRight(nameWidth)).Append("  ").Append(r[1].PadRight(6)).Append("  ").Append(r[2].PadLeft(msWidth)).Append("  ").Append(r[3]);
            sb.Append('\n');
        }

        int Count(CheckStatus s) => results.Count(r => r.Status == s);
        sb.Append(CultureInfo.InvariantCulture, $"{(Passed(results) ? "PASSED" : "FAILED")}: {results.Count} checks, {Count(CheckStatus.Pass)} passed, {Count(CheckStatus.Fail)} failed, {Count(CheckStatus.Skip)} skipped in {totalMs} ms\n");
        return sb.ToString();
    }

    public static string Json(IReadOnlyList<CheckResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("checks");
            foreach (var r in results)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                w.WriteString("status", StatusText(r.Status));
                w.WriteNumber("ms", r.Ms);
                w.WriteString("detail", r.Detail);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteBoolean("passed", Passed(results));
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
