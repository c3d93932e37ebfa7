using Ms5.Influx;

namespace Ms5.Ops.Checks;

/// <summary>
/// Check 5: a point written into measurement <see cref="Measurement"/> of MS5_INFLUX_DB is read back, then its series is
/// dropped (through <see cref="InfluxWriter"/>, MS5's own /write and /query client).
/// </summary>
internal static class InfluxCheck
{
    public const string Measurement = "ms5_validate";

    public static Check Create(OpsSettings settings, HttpClient client) => new("influxdb", async ct =>
    {
        if (settings.InfluxUrl is null)
        {
            return CheckOutcome.Skip("MS5_INFLUX_URL is not set");
        }

        var options = InfluxOptions.FromConfiguration(settings.Configuration);
        var influx = new InfluxWriter(client, options);
        var run = Guid.NewGuid().ToString("N");
        var where = $"influxdb {options.Url.GetLeftPart(UriPartial.Authority)} db {options.Database}";
        try
        {
            var ns = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
            await influx.WriteAsync($"{Measurement},run={run} value=1i {ns}\n", ct);
            string body;
            try
            {
                body = await influx.QueryAsync($"SELECT value FROM {Measurement} WHERE run = '{run}'", ct);
            }
            finally
            {
                await influx.QueryAsync($"DROP SERIES FROM {Measurement} WHERE run = '{run}'", CancellationToken.None);
            }

            return body.Contains("\"values\"", StringComparison.Ordinal)
                ? CheckOutcome.Pass($"{where}: point written, read back and removed")
                : CheckOutcome.Fail($"{where}: point {run} written but not read back: {body}");
        }
        catch (Exception ex) when (ex is HttpRequestException or InfluxWriteException)
        {
            return CheckOutcome.Fail($"{where}: {CheckRunner.Describe(ex)}");
        }
    });
}
