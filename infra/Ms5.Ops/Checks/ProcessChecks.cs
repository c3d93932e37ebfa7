namespace Ms5.Ops.Checks;

/// <summary>Check 1: every MS5 process answers /healthz 200 and /readyz 200 (its body names the dependencies that are down).</summary>
internal static class ProcessChecks
{
    public static IEnumerable<Check> Create(OpsSettings settings, Http http)
    {
        if (settings.Processes is not { Count: > 0 } processes)
        {
            yield return new Check("processes", _ => Task.FromResult(CheckOutcome.Skip("MS5_PROCESS_HEALTH is not set (name=healthURL;…)")));
            yield break;
        }

        foreach (var p in processes)
        {
            yield return new Check($"process {p.Name}", ct => HealthAndReadyAsync(http, p.Name, p.Health, p.Ready, ct));
        }
    }

    /// <summary>/healthz then /readyz; a failure quotes the readiness body, which names each dependency's state.</summary>
    public static async Task<CheckOutcome> HealthAndReadyAsync(Http http, string name, Uri health, Uri ready, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(health);
        ArgumentNullException.ThrowIfNull(ready);
        try
        {
            var (hs, hb) = await http.GetAsync(health, ct);
            if (hs != 200)
            {
                return CheckOutcome.Fail($"{name}: {health} answered {hs}: {hb}");
            }

            var (rs, rb) = await http.GetAsync(ready, ct);
            return rs == 200
                ? CheckOutcome.Pass($"{name}: /healthz 200, /readyz 200")
                : CheckOutcome.Fail($"{name}: {ready} answered {rs}: {rb}");
        }
        catch (HttpRequestException ex)
        {
            return CheckOutcome.Fail($"{name}: {health.GetLeftPart(UriPartial.Authority)} unreachable: {CheckRunner.Describe(ex)}");
        }
    }
}
