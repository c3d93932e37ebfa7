using Ms5.Api;
using Ms5.Api.Access;
using Ms5.Api.Apis;
using Ms5.Api.Apis.Plant;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Postgres;
using Ms5.ServiceDefaults;
using Prometheus;

// The web root (the Andon board's files) ships next to the dll, wherever the process is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory, WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot") });
builder.AddMs5ServiceDefaults();
builder.AddMs5Postgres();
builder.AddMs5Kafka();
builder.AddMs5Influx(TimeSpan.FromSeconds(5));
builder.AddMs5Api();
builder.AddMs5Access();
builder.AddMs5Https();
builder.AddMs5ApiReference();
builder.WebHost.UseUrls(builder.Configuration[$"{Ms5Settings.Section}:ApiUrl"] is { Length: > 0 } url ? url : "http://127.0.0.1:8080");

var app = builder.Build();
app.UseRequestMetrics();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMs5SecurityHeaders();
app.UseMs5QueryGuard();
app.UseMs5Https();
app.UseHttpMetrics();
app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
// Static files (scripts, styles, the login page) carry no plant data: served before authentication.
app.UseBoardFiles();
app.UseRouting();
app.UseMs5Access();
app.MapMs5DefaultEndpoints();
app.MapAuthApi();
app.MapUsersApi();
app.MapApiKeysApi();
app.MapAuditApi();
app.MapMachinesApi();
app.MapEventsApi();
app.MapIngestApi();
app.MapOeeApi();
app.MapOeeLiveApi();
app.MapShiftsApi();
app.MapDowntimeApi();
app.MapAnomaliesApi();
app.MapCalendarApi();
app.MapAssignmentsApi();
app.MapPlantApi();
app.MapPlantsApi();
app.MapLinesApi();
app.MapMachineConfigApi();
app.MapAndonApi();
app.MapOrdersApi();
app.MapScheduleApi();
app.MapAlertmanagerWebhookApi();
app.MapBoardApi();
app.MapReportsApi();
app.MapPagesApi();
app.MapMs5ApiReference();
app.Run();

/// <summary>Entry point; public so integration tests can host it with WebApplicationFactory.</summary>
public partial class Program;
