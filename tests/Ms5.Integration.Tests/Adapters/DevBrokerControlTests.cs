using System.Net;
using System.Net.Http.Json;
using Ms5.Integration.Tests.Support;
using Ms5.Kafka;

namespace Ms5.Integration.Tests.Adapters;

/// <summary>The dev broker's control endpoints (topic creation with a partition count, deletion).</summary>
[Collection("stack")]
public sealed class DevBrokerControlTests(StackFixture stack)
{
    private HttpClient Client()
    {
        Assert.False(stack.Kafka.DevBrokerUrl is null, "these tests need the dev broker of ./ms5 up (MS5_KAFKA_BOOTSTRAP points elsewhere)");
        return new HttpClient { BaseAddress = new Uri(stack.Kafka.DevBrokerUrl!) };
    }

    [Fact]
    public async Task CreateTopic_IsIdempotent_AndHasTheRequestedPartitions_ThenDeletes()
    {
        using var http = Client();
        var name = $"test.{stack.RunId}.control";
        var first = await http.PostAsJsonAsync("/topics", new { name, partitions = 7 });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var again = await http.PostAsJsonAsync("/topics", new { name, partitions = 3 });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("\"partitions\":7", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var admin = new Confluent.Kafka.AdminClientBuilder(new Confluent.Kafka.AdminClientConfig { BootstrapServers = stack.Kafka.BootstrapServers }).Build();
        Assert.Equal(7, admin.GetMetadata(name, TimeSpan.FromSeconds(10)).Topics[0].Partitions.Count);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync(new Uri($"/topics/{name}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync(new Uri($"/topics/{name}", UriKind.Relative))).StatusCode);
    }

    [Theory]
    [InlineData("bad name!", 3)]
    [InlineData("", 3)]
    [InlineData("ok.name", 0)]
    [InlineData("ok.name", 5000)]
    public async Task CreateTopic_WithBadRequest_Is400Problem(string name, int partitions)
    {
        using var http = Client();
        var resp = await http.PostAsJsonAsync("/topics", new { name, partitions });
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task DeleteTopic_RefusesTheFixedTopics()
    {
        using var http = Client();
        var resp = await http.DeleteAsync(new Uri($"/topics/{Topics.MachineEvents}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Conflict, resp.StatusCode);
    }

    [Fact]
    public async Task Healthz_AndBootstrap_Answer()
    {
        using var http = Client();
        Assert.Equal("ok", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
        Assert.Equal(stack.Kafka.BootstrapServers, (await http.GetStringAsync(new Uri("/bootstrap", UriKind.Relative))).Trim());
    }
}
