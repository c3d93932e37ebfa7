using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Ms5.Stream.Hosting;
using Npgsql;
using Prometheus;

// ms5-stream [run]                   run the historian sinks (Stream:Sinks = pg,influx)
// ms5-stream migrate [--plant FILE]  apply database migrations and load a plant file
if (args.Length > 0 && args[0] == "migrate")
{
    return await MigrateCommand.RunAsync(args[1..]);
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddHistorian();
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
var port = builder.Configuration.GetValue("Stream:MetricsPort", 59464);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
// Structured logs: one JSON object per line, scopes and state fields kept.
builder.Logging.ClearProviders();
builder.Logging.AddJsonConsole(o =>
{
    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
    o.UseUtcTimestamp = true;
});
var app = builder.Build();
app.MapGet("/healthz", () => Results.Text("ok"));
app.MapMetrics();
await app.PrepareAsync();
await app.RunAsync();
return 0;

internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var cs = PgConnectionString.FromEnvironment();
        var applied = await Migrator.MigrateAsync(cs);
        Console.WriteLine(applied.Count == 0 ? "[ms5] database schema is up to date" : $"[ms5] applied migrations: {string.Join(", ", applied)}");
        var plantIndex = Array.IndexOf(args, "--plant");
        if (plantIndex < 0)
        {
            return 0;
        }

        if (plantIndex + 1 >= args.Length)
        {
            await Console.Error.WriteLineAsync("--plant needs a file");
            return 2;
        }

        var file = args[plantIndex + 1];
        if (!File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"plant file not found: {file}");
            return 2;
        }

        var json = await File.ReadAllTextAsync(file);
        PlantConfig plant;
        try
        {
            plant = PlantConfigParser.Parse(json);
        }
        catch (PlantConfigException ex)
        {
            await Console.Error.WriteLineAsync($"{file}: {ex.Message}");
            return 2;
        }

        await using var db = NpgsqlDataSource.Create(cs);
        await new PlantStore(db).SaveAsync(plant, json);
        Console.WriteLine($"[ms5] plant '{plant.PlantId}' loaded: {plant.Lines.Count} lines, {plant.Machines.Count()} machines, {plant.ReasonCodes.Count} reason codes");
        return 0;
    }
}
