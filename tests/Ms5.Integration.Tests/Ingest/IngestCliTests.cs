extern alias ingest;
using ingest::Ms5.Ingest;
using ingest::Ms5.Ingest.Replay;
using ingest::Ms5.Ingest.Simulate;
using Ms5.Analytics.Simulation;
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
    public async Task Simulate_WithoutAnomalyOptions_InjectsNothing_AndRunsOnInRealTime()
    {
        Assert.Equal(0, await RunAsync("simulate", "--backfill", "2d"));

        var args = Assert.IsType<SimulateArgs>(_simulate);
        Assert.Null(args.Anomalies);
        Assert.False(args.UntilNow);
        Assert.Null(args.BackfillRate);
    }

    [Fact]
    public async Task Simulate_WithAnomaliesAndEveryAnomalyOption_PassesTheirValues()
    {
        Assert.Equal(0, await RunAsync("simulate", "--backfill", "35d", "--anomalies", "--anomalies-from", "7d",
            "--anomaly-rate", "long=2,burst=0.5,reason=0,drift=3", "--labels", "out/labels.json", "--until-now", "--backfill-rate", "20000"));

        var args = Assert.IsType<SimulateArgs>(_simulate);
        Assert.Equal(new AnomalySpec(TimeSpan.FromDays(7), new AnomalyRates(2, 0.5, 0, 3), "out/labels.json"), args.Anomalies);
        Assert.True(args.UntilNow);
        Assert.Equal(20000, args.BackfillRate);
    }

    [Theory]
    [InlineData("30d", 7)]
    [InlineData("8d", 7)]
    [InlineData("3d", 3)]
    public async Task Simulate_AnomaliesWithoutAWindow_UseTheLastWeekOfTheBackfill_OrAllOfAShorterOne(string backfill, int days)
    {
        Assert.Equal(0, await RunAsync("simulate", "--backfill", backfill, "--anomalies"));

        var spec = Assert.IsType<AnomalySpec>(Assert.IsType<SimulateArgs>(_simulate).Anomalies);
        Assert.Equal((TimeSpan.FromDays(days), new AnomalyRates(), null), (spec.From, spec.Rates, spec.LabelsFile));
    }

    [Fact]
    public void AnomalySpec_IsTheWindowBeforeNow_WithTheDefaultsExceptTheOverriddenRates()
    {
        var now = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

        var injection = new AnomalySpec(TimeSpan.FromDays(7), new AnomalyRates(LongStops: 3, DriftMachines: 0), null).At(now);

        Assert.Equal(new AnomalyInjection { From = now.AddDays(-7), To = now, LongStopsPerMachineWeek = 3, DriftMachines = 0 }, injection);
        Assert.Equal((0.5, 0.25), (injection.BurstsPerMachineWeek, injection.UnusualReasonsPerMachineWeek));
    }

    [Theory]
    [InlineData("--labels needs --anomalies", "--backfill", "2d", "--labels", "l.json")]
    [InlineData("--anomalies-from needs --anomalies", "--backfill", "2d", "--anomalies-from", "1d")]
    [InlineData("--anomaly-rate needs --anomalies", "--backfill", "2d", "--anomaly-rate", "long=1")]
    [InlineData("--anomalies needs --backfill: anomalies are injected into the back-filled history", "--anomalies")]
    [InlineData("--anomalies-from 3d must be more than 0 and at most --backfill 2d", "--backfill", "2d", "--anomalies", "--anomalies-from", "3d")]
    [InlineData("--anomalies-from 0s must be more than 0 and at most --backfill 2d", "--backfill", "2d", "--anomalies", "--anomalies-from", "0s")]
    [InlineData("--anomalies-from '7days' must look like 30s, 5m, 2h or 1d", "--backfill", "8d", "--anomalies", "--anomalies-from", "7days")]
    [InlineData("--anomaly-rate long must be a number >= 0 (per machine and week), got '-1'", "--backfill", "2d", "--anomalies", "--anomaly-rate", "long=-1")]
    [InlineData("--anomaly-rate burst must be a number >= 0 (per machine and week), got ''", "--backfill", "2d", "--anomalies", "--anomaly-rate", "burst")]
    [InlineData("--anomaly-rate drift must be a whole number >= 0 (machines), got '1.5'", "--backfill", "2d", "--anomalies", "--anomaly-rate", "drift=1.5")]
    [InlineData("--anomaly-rate 'longs=1' must look like long=1,burst=0.5,reason=0.25,drift=4", "--backfill", "2d", "--anomalies", "--anomaly-rate", "longs=1")]
    [InlineData("--anomaly-rate names 'long' twice", "--backfill", "2d", "--anomalies", "--anomaly-rate", "long=1,long=2")]
    [InlineData("--labels needs a file name", "--backfill", "2d", "--anomalies", "--labels", " ")]
    [InlineData("--until-now needs --backfill: there is nothing to deliver before now", "--until-now")]
    [InlineData("--incident starts after now: it cannot be combined with --until-now", "--backfill", "1d", "--until-now", "--incident", "a@+1m/5m:jam")]
    [InlineData("--backfill-rate needs --backfill", "--backfill-rate", "1000")]
    [InlineData("--backfill-rate must be more than 0, got 0", "--backfill", "1d", "--backfill-rate", "0")]
    public async Task Simulate_WithAnomalyOrUntilNowOptionsThatDoNotFit_IsAUsageErrorNamingTheOption(string error, params string[] options)
    {
        Assert.Equal(2, await RunAsync(["simulate", .. options]));

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
