using System.Globalization;

namespace Ms5.Integration.Tests.Support;

/// <summary>Small factory of test events (contract v1 JSON).</summary>
internal static class Some
{
    public static DateTimeOffset Now => DateTimeOffset.UtcNow;

    public static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string State(Guid id, string machine, DateTimeOffset ts, string state, string? reason = null) =>
        reason is null
            ? $$"""{"eventId":"{{id}}","machineId":"{{machine}}","ts":"{{Ts(ts)}}","type":"state","state":"{{state}}"}"""
            : $$"""{"eventId":"{{id}}","machineId":"{{machine}}","ts":"{{Ts(ts)}}","type":"state","state":"{{state}}","reason":"{{reason}}"}""";

    public static string Count(Guid id, string machine, DateTimeOffset ts, long good, long reject) =>
        $$"""{"eventId":"{{id}}","machineId":"{{machine}}","ts":"{{Ts(ts)}}","type":"count","good":{{good}},"reject":{{reject}}}""";

    public static string Counter(Guid id, string machine, DateTimeOffset ts, long goodTotal, long rejectTotal) =>
        $$"""{"eventId":"{{id}}","machineId":"{{machine}}","ts":"{{Ts(ts)}}","type":"counter","goodTotal":{{goodTotal}},"rejectTotal":{{rejectTotal}}}""";
}
