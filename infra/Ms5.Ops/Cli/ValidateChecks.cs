using Ms5.Ops.Checks;
using Ms5.Ops.Smoke;

namespace Ms5.Ops.Cli;

/// <summary>The checks of one validate run, in report order (they run concurrently).</summary>
internal static class ValidateChecks
{
    public static IReadOnlyList<Check> All(OpsSettings settings, ValidateArgs args, RepoFiles repo, HttpClient client)
    {
        var http = new Http(client, settings.ApiToken);
        var api = args.Url ?? settings.ApiUrl;
        var checks = new List<Check>();
        checks.AddRange(ProcessChecks.Create(settings, http));
        checks.Add(ApiCheck.Create(api, http));
        checks.Add(PostgresCheck.Create(settings.Pg));
        checks.Add(KafkaCheck.Create(settings));
        checks.Add(InfluxCheck.Create(settings, client));
        checks.Add(WebSocketCheck.Create(api, settings.ApiToken));
        checks.Add(PrometheusCheck.Create(settings.PrometheusUrl, repo, http));
        checks.Add(AlertmanagerCheck.Create(settings.AlertmanagerUrl, repo, http));
        checks.Add(new Check("smoke", async ct => api is null || settings.ApiToken is null
            ? CheckOutcome.Fail("needs the API address (--url, MS5_API_URL) and MS5_API_TOKEN")
            : SmokeTest.Summarize(await new SmokeTest(http, api).RunAsync(args.Timeout - TimeSpan.FromSeconds(2), ct))));
        checks.Add(HeadroomCheck.Create(settings, args.Limits));
        // Only the configuration Alertmanager runs says which receivers are placeholders (the shipped file's are; an
        // operator's may have the same names and real addresses).
        checks.Add(LogCheck.Create(settings.LogDir, args.Since, TimeProvider.System,
            Environment.GetEnvironmentVariable("MS5_ALERTMANAGER_CONFIG") is { Length: > 0 } amConfig ? amConfig : null));
        return checks;
    }
}
