using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Postgres;
using Ms5.ServiceDefaults;

namespace Ms5.Historian;

internal static class HistorianHost
{
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(Ms5.ServiceDefaults.HostDefaults.Options(args));
        builder.AddMs5ServiceDefaults();
        builder.AddMs5Postgres();
        builder.AddMs5Migrations();
        builder.AddMs5Kafka();
        builder.AddMs5Influx(TimeSpan.FromSeconds(30));
        builder.AddHistorian();
        var port = builder.Configuration.GetValue("Stream:MetricsPort", 59464);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var app = builder.Build();
        app.MapMs5DefaultEndpoints();
        await app.RunAsync(ct);
        return 0;
    }
}
