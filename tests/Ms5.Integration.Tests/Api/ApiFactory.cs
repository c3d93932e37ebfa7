using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Api;

/// <summary>The real API (Program) on the test server, wired to this run's database and topics.</summary>
public sealed class ApiFactory(StackFixture stack, string? pgOverride = null, string? kafkaOverride = null, IReadOnlyDictionary<string, string>? settings = null) : WebApplicationFactory<Program>
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
        // Access: this run's admin key and signing key; limits high enough for the suite (the rate-limit tests set their own).
        builder.UseSetting("Ms5:Auth:BootstrapApiKeyFile", stack.AdminKeyFile);
        builder.UseSetting("Ms5:Auth:SigningKeyFile", stack.SigningKeyFile);
        foreach (var (k, v) in TestAccess.Settings)
        {
            builder.UseSetting(k, v);
        }

        foreach (var (k, v) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(k, v);
        }
    }

    /// <summary>Clients send the run's admin key unless told otherwise (<see cref="CreateAnonymousClient"/>).</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", stack.AdminKey);
    }

    /// <summary>A client without credentials.</summary>
    public HttpClient CreateAnonymousClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = null;
        return client;
    }

    /// <summary>A client sending <paramref name="bearer"/> (an access token or an API key).</summary>
    public HttpClient CreateClient(string bearer)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }
}
