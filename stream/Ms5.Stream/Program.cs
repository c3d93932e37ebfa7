using Ms5.Stream.Hosting;
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
