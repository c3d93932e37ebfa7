extern alias ingest;
using ingest::Ms5.Ingest;
using ingest::Ms5.Ingest.Replay;
using ingest::Ms5.Ingest.Simulate;
using Ms5.Kafka;

namespace Ms5.Integration.Tests.Ingest;

/// <summary>ms5-ingest's command line, parsed with the actions replaced: no Kafka needed.</summary>
public sealed class IngestCliTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private ReplayArgs? _replay;
    private SimulateArgs? _simulate;

    public void Dispose()
    {
        File.Delete(_file);
        _out.Dispose();
        _err.Dispose();
    }

    private Task<int> RunAsync(params string[] args) =>
        IngestCli.InvokeAsync(args, IngestCli.Create(a => { _replay = a; return 0; }, (a, _) => { _simulate = a; return Task.FromResult(0); }), _out, _err);

    [Fact]
    public async Task Replay_WithEveryOption_PassesTheirValues()
    {
        Assert.Equal(0, await RunAsync("replay", _file, "--speed", "2.5", "--topic", "t1", "--dlq-topic", "d1"));

        Assert.Equal(new ReplayArgs(_file, 2.5, "t1", "d1"), _replay);
    }

    [Fact]
    public async Task Replay_WithOnlyTheFile_SendsAsFastAsPossibleToTheFixedTopics()
    {
        Assert.Equal(0, await RunAsync("replay", _file));

        Assert.Equal(new ReplayArgs(_file, 0, Topics.MachineEvents, Topics.MachineEventsDlq), _replay);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("1,5")]
    public async Task Replay_WithBadSpeed_IsAUsageErrorNamingTheOption(string speed)
    {
        Assert.Equal(2, await RunAsync("replay", _file, "--speed", speed));

        Assert.Null(_replay);
        Assert.StartsWith($"--speed must be a number >= 0, got '{speed}'", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_WhenTheFileDoesNotExist_IsAUsageError()
    {
        Assert.Equal(2, await RunAsync("replay", "/nonexistent/events.csv"));

        Assert.Null(_replay);
        Assert.StartsWith("file not found: /nonexistent/events.csv", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_WithoutAFile_IsAUsageErrorNamingTheArgument()
    {
        Assert.Equal(2, await RunAsync("replay"));

        Assert.StartsWith("Required argument 'FILE' missing for command: 'replay'.", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_WithAnUnknownOption_IsAUsageErrorNamingIt()
    {
        Assert.Equal(2, await RunAsync("replay", _file, "--sped", "2"));

        Assert.Null(_replay);
        Assert.Contains("Unrecognized command or argument '--sped'.", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_AsTheMs5ScriptCallsIt_ParsesPlantAndIncident()
    {
        Assert.Equal(0, await RunAsync("simulate", "--plant", "plants/p.json", "--incident", "press-01@+1m/6m:tool_break"));

        var args = Assert.IsType<SimulateArgs>(_simulate);
        Assert.Equal(("plants/p.json", 42, TimeSpan.Zero, Topics.MachineEvents, 59465), (args.PlantFile, args.Seed, args.Backfill, args.Topic, args.MetricsPort));
        Assert.Equal([new IncidentSpec("press-01", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(6), "tool_break")], args.Incidents);
    }

    [Fact]
    public async Task Simulate_WithEveryOption_PassesTheirValues_IncidentsInOrder()
    {
        Assert.Equal(0, await RunAsync("simulate", "--seed", "7", "--backfill", "2h", "--topic", "t", "--metrics-port", "1234",
            "--incident", "a@+5m/10m:jam", "--incident", "b@+30s/1h:tool_break"));

        var args = Assert.IsType<SimulateArgs>(_simulate);
        Assert.Equal(("infra/plants/demo-plant.json", 7, TimeSpan.FromHours(2), "t", 1234), (args.PlantFile, args.Seed, args.Backfill, args.Topic, args.MetricsPort));
        Assert.Equal(
            [new IncidentSpec("a", TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), "jam"), new IncidentSpec("b", TimeSpan.FromSeconds(30), TimeSpan.FromHours(1), "tool_break")],
            args.Incidents);
    }

    [Theory]
    [InlineData("--incident", "press-01@5m/1m:jam", "--incident 'press-01@5m/1m:jam' must look like press-01@+5m/10m:jam")]
    [InlineData("--incident", "press-01@+5d/1m:jam", "--incident 'press-01@+5d/1m:jam' must look like press-01@+5m/10m:jam")]
    [InlineData("--backfill", "2x", "--backfill '2x' must look like 30s, 5m, 2h or 1d")]
    [InlineData("--seed", "abc", "Cannot parse argument 'abc' for option '--seed' as expected type 'System.Int32'.")]
    [InlineData("--metrics-port", "70000", "--metrics-port must be 1-65535, got 70000")]
    public async Task Simulate_WithABadValue_IsAUsageErrorNamingTheOption(string option, string value, string error)
    {
        Assert.Equal(2, await RunAsync("simulate", option, value));

        Assert.Null(_simulate);
        Assert.StartsWith(error, _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCommand_IsAUsageError()
    {
        Assert.Equal(2, await RunAsync());

        Assert.StartsWith("Required command was not provided.", _err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsBothCommands_AndEachCommandsOptions()
    {
        Assert.Equal(0, await RunAsync("--help"));
        Assert.Equal(0, await RunAsync("replay", "--help"));
        Assert.Equal(0, await RunAsync("simulate", "-h"));

        var help = _out.ToString();
        Assert.Contains("  ms5-ingest [command] [options]", help, StringComparison.Ordinal);
        Assert.Contains("  replay <FILE>", help, StringComparison.Ordinal);
        Assert.Contains("  --speed <X>", help, StringComparison.Ordinal);
        Assert.Contains("  --incident <SPEC>", help, StringComparison.Ordinal);
        Assert.Null(_replay);
        Assert.Null(_simulate);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    public void Duration_WithAUnit_IsThatManySeconds(string text, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), SimulateSyntax.Duration(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("-5m")]
    [InlineData("5 m")]
    [InlineData("99999999999s")]
    public void Duration_WithoutAUnitOrOutOfRange_IsNull(string text)
    {
        Assert.Null(SimulateSyntax.Duration(text));
    }
}
