using Ms5.Alertmanager;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.OeeEngine;
using Ms5.OeeEngine.Anomalies;
using Ms5.OeeEngine.Orders;
using Ms5.Postgres;
using Ms5.ServiceDefaults;

// ms5-oee-engine: exact OEE minute buckets, rolling windows and Andon from ms5.machine-events.v1; live downtime anomaly flags.
var builder = WebApplication.CreateSlimBuilder(Ms5.ServiceDefaults.HostDefaults.Options(args));
builder.AddMs5ServiceDefaults();
builder.AddMs5Postgres();
builder.AddMs5Migrations();
builder.AddMs5Kafka();
builder.AddMs5Influx(TimeSpan.FromSeconds(10));
builder.AddMs5Alertmanager();
builder.AddOeeEngine();
builder.AddAndon();
builder.AddAnomalyScoring();
builder.AddOrderPublishing();
builder.WebHost.UseUrls($"http://127.0.0.1:{builder.Configuration.GetValue("Stream:MetricsPort", 59466)}");
var app = builder.Build();
app.MapMs5DefaultEndpoints();
await app.RunAsync();
