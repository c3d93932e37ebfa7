using Ms5.Postgres;
using Ms5.Reports;
using Ms5.Reports.Delivery;
using Ms5.ReportsHost;
using Ms5.ReportsHost.Training;
using Ms5.ServiceDefaults;

var builder = WebApplication.CreateBuilder(Ms5.ServiceDefaults.HostDefaults.Options(args));
builder.AddMs5ServiceDefaults();
builder.AddMs5Postgres();
builder.AddMs5Migrations();
builder.AddMs5Reports();
builder.Services.AddReportMail(builder.Configuration);
builder.AddMs5NightlyTraining();
builder.AddMs5ReportScheduling();
var port = builder.Configuration.GetValue($"{ReportOptions.Section}:{nameof(ReportOptions.MetricsPort)}", new ReportOptions().MetricsPort);
// Loopback by default; a container sets ASPNETCORE_URLS (e.g. http://0.0.0.0:59467) so Prometheus can scrape it.
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
}

var app = builder.Build();
app.MapMs5DefaultEndpoints();
app.Run();
