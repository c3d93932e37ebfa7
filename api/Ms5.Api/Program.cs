using Ms5.Api;
using Ms5.Api.Apis;
using Prometheus;

// The web root (the Andon board's files) ships next to the dll, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot") });
builder.WebHost.UseUrls(Environment.GetEnvironmentVariable("MS5_API_URL") is { Length: > 0 } url ? url : "http://127.0.0.1:8080");
builder.AddMs5Api();

// Structured logs: one JSON object per line, scopes and state fields kept.
builder.Logging.ClearProviders();
builder.Logging.AddJsonConsole(o =>
{
    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
    o.UseUtcTimestamp = true;
});
var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseHttpMetrics();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
app.UseBoardFiles();
app.MapHealthApi();
app.MapMachinesApi();
app.MapEventsApi();
app.MapIngestApi();
app.MapOeeApi();
app.MapOeeLiveApi();
app.MapShiftsApi();
app.MapDowntimeApi();
app.MapCalendarApi();
app.MapAndonApi();
app.MapAlertmanagerWebhookApi();
app.MapBoardApi();
app.MapMetrics();
app.Run();

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
