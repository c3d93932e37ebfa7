using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Historian;

[Collection("stack-oee")]
public sealed class InfluxSinkTests(StackFixture stack)
{
    [Fact]
    public async Task ValidEvents_BecomeExactlyOnePointEach_WithLineAndMachineTags_EvenInTheSameMillisecond()
    {
        var ts = Some.Now.AddMinutes(-5);
        var messages = new List<(string?, string)>();
        for (var i = 0; i < 25; i++)
        {
            // Same machine, same millisecond: InfluxDB would overwrite points without the event-id offset.
            messages.Add(("weld-03", Some.Count(Guid.NewGuid(), "weld-03", ts, i + 1, 0)));
        }

        messages.Add(("weld-03", Some.State(Guid.NewGuid(), "weld-03", ts, "down", "electrical")));
        messages.Add(("asm-03", Some.Counter(Guid.NewGuid(), "asm-03", ts, 5000, 7)));
        messages.Add(("weld-03", "garbage"));
        await stack.ProduceAsync(stack.Topic, messages);

        await stack.WaitUntilAsync(() => InfluxCount($"SELECT count(good) FROM machine_count WHERE machine = 'weld-03' AND {Window(ts)}"), 25, "count points");
        await stack.WaitUntilAsync(() => InfluxCount($"SELECT count(reason) FROM machine_state WHERE machine = 'weld-03' AND line = 'line-2' AND state = 'down' AND {Window(ts)}"), 1, "state point");
        await stack.WaitUntilAsync(() => InfluxCount($"SELECT count(good_total) FROM machine_counter WHERE machine = 'asm-03' AND line = 'line-3' AND {Window(ts)}"), 1, "counter point");
        Assert.Equal(325, await InfluxCount($"SELECT sum(good) FROM machine_count WHERE machine = 'weld-03' AND {Window(ts)}"));
    }

    /// <summary>The millisecond of <paramref name="ts"/>: points of other tests never fall in it.</summary>
    private static string Window(DateTimeOffset ts) =>
        $"time >= '{Some.Ts(ts)}' AND time < '{Some.Ts(ts.AddMilliseconds(1))}'";

    private async Task<long> InfluxCount(string q)
    {
        var body = await stack.Influx.QueryAsync(q);
        using var doc = JsonDocument.Parse(body);
        var result = doc.RootElement.GetProperty("results")[0];
        if (!result.TryGetProperty("series", out var series))
        {
            return 0;
        }

        return series[0].GetProperty("values")[0][1].GetInt64();
    }
}
