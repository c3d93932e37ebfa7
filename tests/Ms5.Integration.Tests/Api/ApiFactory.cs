using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Api;

/// <summary>The real API (Program) on the test server, wired to this run's database and topics.</summary>
public sealed class ApiFactory(StackFixture stack, string? pgOverride = null, string? kafkaOverride = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Ms5:Pg", pgOverride ?? stack.Pg);
        builder.UseSetting("Ms5:KafkaBootstrap", kafkaOverride ?? stack.Kafka.BootstrapServers);
        builder.UseSetting("Ms5:IngestDeliveryTimeout", "00:00:03");
        builder.UseSetting("Ms5:InfluxDb", stack.DbName);
        builder.UseSetting("Ms5:EventsTopic", stack.Topic);
        builder.UseSetting("Ms5:DlqTopic", stack.DlqTopic);
        builder.UseSetting("Ms5:MaxIngestBatch", "500");
        // This run's topics: a test never publishes to the local stack's live topics.
        builder.UseSetting("Ms5:OeeTopic", $"test.{stack.RunId}.oee-out");
        builder.UseSetting("Ms5:AndonTopic", $"test.{stack.RunId}.andon-out");
    }
}
