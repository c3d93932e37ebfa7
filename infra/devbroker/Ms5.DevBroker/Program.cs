using Ms5.DevBroker;
using Ms5.Kafka;

// The dev broker keeps topics in memory: when it stops, topics are gone. Consumers handle that
// (stored offsets past the end restart from the beginning; see KafkaOptions.ConsumerConfig).
// It takes no arguments: the ms5 script and the tests configure it through MS5_DEVBROKER_* (DevBrokerSettings).
var settings = DevBrokerSettings.FromEnvironment();
var builder = WebApplication.CreateSlimBuilder(Ms5.ServiceDefaults.HostDefaults.Options(args));
builder.WebHost.UseUrls($"http://127.0.0.1:{settings.Port}");
builder.AddDevBrokerLogging();

using var cluster = new MockCluster(settings.Brokers);
var topics = new MockTopics(cluster, Topics.DefaultPartitions);
var app = builder.Build();
app.MapDevBrokerApi(cluster, topics);

await app.StartAsync();
var bootstrapFile = await BootstrapFile.WriteAsync(cluster.BootstrapServers);
app.Logger.LogInformation("Kafka dev broker listening on {Bootstrap} ({Brokers} broker(s)); control on port {Port}", cluster.BootstrapServers, settings.Brokers, settings.Port);
await app.WaitForShutdownAsync();
File.Delete(bootstrapFile);
