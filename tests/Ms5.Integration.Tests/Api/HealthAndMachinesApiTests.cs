using System.Net;
using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Api;

[Collection("stack-api")]
public sealed class HealthAndMachinesApiTests(StackFixture stack)
{
    [Fact]
    public async Task Healthz_IsAlive()
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("alive", JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_WithAllDependenciesUp_Is200WithEachCheckUp()
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().GetAsync(new Uri("/readyz", UriKind.Relative));
        var body = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("ready", body.GetProperty("status").GetString());
        foreach (var dep in new[] { "postgres", "influxdb", "kafka" })
        {
            Assert.Equal("up", body.GetProperty("checks").GetProperty(dep).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Readyz_WithPostgresUnreachable_Is503NamingPostgres()
    {
        await using var api = new ApiFactory(stack, "Host=127.0.0.1;Port=1;Username=ms5;Database=nope;Timeout=2");
        var resp = await api.CreateClient().GetAsync(new Uri("/readyz", UriKind.Relative));
        var body = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, resp.StatusCode);
        Assert.Equal("not_ready", body.GetProperty("status").GetString());
        Assert.Equal("down", body.GetProperty("checks").GetProperty("postgres").GetProperty("status").GetString());
        Assert.Equal("up", body.GetProperty("checks").GetProperty("influxdb").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Machines_ListsTheDemoPlant_ByLine()
    {
        await using var api = new ApiFactory(stack);
        var body = JsonDocument.Parse(await api.CreateClient().GetStringAsync(new Uri("/api/machines", UriKind.Relative))).RootElement;
        // Other tests of this run may load more plants into the same database: look at the demo plant's.
        var machines = body.GetProperty("machines").EnumerateArray().Where(m => m.GetProperty("plantId").GetString() == "demo").ToList();
        Assert.Equal(12, machines.Count);
        Assert.True(body.GetProperty("count").GetInt32() >= 12);
        Assert.Equal(4, machines.Count(m => m.GetProperty("lineId").GetString() == "line-2"));
        var press3 = machines.Single(m => m.GetProperty("machineId").GetString() == "press-03");
        Assert.Equal(2.5, press3.GetProperty("idealCycleSeconds").GetDouble());
        Assert.Equal("Stamping", press3.GetProperty("lineName").GetString());
        Assert.Equal("cumulative", machines.Single(m => m.GetProperty("machineId").GetString() == "weld-02").GetProperty("countMode").GetString());
    }

    [Fact]
    public async Task Metrics_ExposesPrometheusText()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        await client.GetAsync(new Uri("/healthz", UriKind.Relative));
        var resp = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Contains("http_requests_received_total", await resp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
