using System.Text;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Historian;

[Collection("stack-oee")]
public sealed class ReplayIdempotencyTests(StackFixture stack)
{
    private Dictionary<string, string> Env => new() { ["MS5_KAFKA_BOOTSTRAP"] = stack.Kafka.BootstrapServers };

    [Fact]
    public async Task ReplayingTheSameJsonlFileTwice_StoresEachEventOnce()
    {
        var t0 = Some.Now.AddHours(-2);
        var ids = new List<Guid>();
        var lines = new List<string>();
        string[] machines = ["press-01", "press-03", "weld-01", "asm-02"];
        for (var i = 0; i < 600; i++)
        {
            var id = Guid.CreateVersion7();
            ids.Add(id);
            var m = machines[i % machines.Length];
            lines.Add(i % 10 == 0 ? Some.State(id, m, t0.AddSeconds(i), i % 20 == 0 ? "running" : "idle", "micro_stop") : Some.Count(id, m, t0.AddSeconds(i), 3, i % 2));
            if (i == 300)
            {
                lines.Add("{broken line");
                lines.Add("");
            }
        }

        var file = Path.Combine(Path.GetTempPath(), $"ms5-replay-{stack.RunId}.jsonl");
        await File.WriteAllLinesAsync(file, lines);
        try
        {
            for (var run = 0; run < 2; run++)
            {
                var (code, output) = await ChildProcess.RunAsync(Repo.Dll("ingest/Ms5.Ingest", "Ms5.Ingest"), Env, TimeSpan.FromMinutes(2),
                    "replay", file, "--topic", stack.Topic, "--dlq-topic", stack.DlqTopic);
                Assert.True(code == 0, output);
                Assert.Contains("601 sent", output, StringComparison.Ordinal);
                Assert.Contains($"{file}:302:", output, StringComparison.Ordinal);
            }

            await stack.WaitForDrainAsync($"test.{stack.RunId}.shared.pg", stack.Topic);
            Assert.Equal(600, await stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", ids.ToArray()));
            Assert.Equal(60, await stack.ScalarAsync("SELECT count(*) FROM state_intervals WHERE event_id = ANY($1)", ids.ToArray()));
            Assert.Equal(2, await stack.ScalarAsync("SELECT count(*) FROM dead_letters WHERE payload = $1", Encoding.UTF8.GetBytes("{broken line")));
            var goods = await stack.ScalarAsync("SELECT sum(good) FROM raw_events WHERE event_id = ANY($1)", ids.ToArray());
            Assert.Equal(540 * 3, goods);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task ReplayingCsv_ConvertsRowsToContractEvents_AndSendsMalformedRowsToTheDlq()
    {
        var t0 = Some.Now.AddHours(-1);
        var a = Guid.CreateVersion7();
        var b = Guid.CreateVersion7();
        var c = Guid.CreateVersion7();
        var bad = Guid.CreateVersion7();
        var csv = string.Join('\n',
            "eventId,machineId,ts,type,state,reason,good,reject,goodTotal,rejectTotal",
            $"{a},weld-04,{Some.Ts(t0)},state,down,\"tool_break\",,,,",
            $"{b},weld-04,{Some.Ts(t0.AddSeconds(1))},count,,,12,1,,",
            $"{c},asm-03,{Some.Ts(t0.AddSeconds(2))},counter,,,,,1000,4",
            $"{bad},weld-04,{Some.Ts(t0.AddSeconds(3))},count,,,twelve,0,,",
            "only,three,fields",
            "");
        var file = Path.Combine(Path.GetTempPath(), $"ms5-replay-{stack.RunId}.csv");
        await File.WriteAllTextAsync(file, csv);
        try
        {
            var (code, output) = await ChildProcess.RunAsync(Repo.Dll("ingest/Ms5.Ingest", "Ms5.Ingest"), Env, TimeSpan.FromMinutes(2),
                "replay", file, "--topic", stack.Topic, "--dlq-topic", stack.DlqTopic);
            Assert.True(code == 0, output);
            Assert.Contains("4 sent", output, StringComparison.Ordinal);
            Assert.Contains("1 unreadable", output, StringComparison.Ordinal);
            Assert.Contains("CSV line 6 has 3 fields, the header has 10", output, StringComparison.Ordinal);

            await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM raw_events WHERE event_id = ANY($1)", new[] { a, b, c }), 3, "csv rows");
            Assert.Equal(12, await stack.ScalarAsync("SELECT good FROM raw_events WHERE event_id = $1", b));
            Assert.Equal(1000, await stack.ScalarAsync("SELECT good_total FROM raw_events WHERE event_id = $1", c));
            await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM dead_letters WHERE reason LIKE 'good: must be an integer%' AND machine_id = 'weld-04'"), 1, "csv bad row dead-lettered");
            // The row replay itself could not read reaches dead_letters too (through the DLQ topic), once, with its file and line.
            var source = "file:" + Path.GetFileName(file);
            await stack.WaitUntilAsync(() => stack.ScalarAsync("SELECT count(*) FROM dead_letters WHERE stage = 'replay' AND source_topic = $1 AND source_offset = 6 AND source_partition = -1", source), 1, "the unreadable row in dead_letters");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
