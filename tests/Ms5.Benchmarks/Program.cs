using System.CommandLine;
using Ms5.Benchmarks;

// ./ms5 bench NAME [options]: each benchmark prints its figures; none asserts a time.
var root = new RootCommand("MS5 benchmarks against the local stack (./ms5 bench NAME); each starts from a clean database and topics of its own.");

var events = new Option<int>("--events") { Description = "simulated events", DefaultValueFactory = _ => 1_000_000 };
var partitions = new Option<int>("--partitions") { Description = "partitions of the benchmark topic", DefaultValueFactory = _ => 128 };
var copies = new Option<int>("--plant-copies") { Description = "copies of the demo plant's lines (machines = 12 × copies)", DefaultValueFactory = _ => 40 };
var sinkBatch = new Option<int>("--sink-batch") { Description = "the historian's Stream:MaxBatchSize", DefaultValueFactory = _ => 20_000 };
var keep = new Option<bool>("--keep") { Description = "keep the benchmark database afterwards" };
var ingest = new Command("ingest", "Simulated events through Kafka into the PostgreSQL historian, against the raw binary COPY rate.") { events, partitions, copies, sinkBatch, keep };
ingest.SetAction((p, _) => IngestBenchmark.RunAsync(p.GetValue(events), p.GetValue(partitions), p.GetValue(copies), p.GetValue(sinkBatch), p.GetValue(keep)));

var oeeEvents = new Option<int>("--events") { Description = "events drained through the engine (1M: a drain of 7-10 s; 300k lasted ~2 s after the first commit, mostly start-up and the last partial batch)", DefaultValueFactory = _ => 1_000_000 };
var rate = new Option<int>("--rate") { Description = "events per second of the live part", DefaultValueFactory = _ => 10_000 };
var seconds = new Option<int>("--seconds") { Description = "length of the live part (its first 5 s are the engine's warm-up and not measured)", DefaultValueFactory = _ => 30 };
seconds.Validators.Add(r =>
{
    if (r.GetValueOrDefault<int>() < 6)
    {
        r.AddError("--seconds must be at least 6: the live part's first 5 s are the engine's warm-up and are not measured");
    }
});
var instances = new Option<int>("--instances") { Description = "drain again with 2 .. N engine instances in one consumer group (scale-out)", DefaultValueFactory = _ => 3 };
var oee = new Command("oee", "Raw Kafka consume+parse rate of a pre-filled topic, the OEE engine's drain of it with persistence (1..N instances, buckets checked against a from-scratch recomputation), then event-to-published-OEE latency at a fixed rate; peak memory.") { oeeEvents, rate, seconds, instances };
oee.SetAction((p, _) => OeeBenchmark.RunAsync(p.GetValue(oeeEvents), p.GetValue(rate), p.GetValue(seconds), p.GetValue(instances)));

var andonRate = new Option<int>("--rate") { Description = "background count events per second", DefaultValueFactory = _ => 10_000 };
var andonSeconds = new Option<int>("--seconds") { Description = "length of the run", DefaultValueFactory = _ => 30 };
var downs = new Option<double>("--downs-per-second") { Description = "machines going down per second", DefaultValueFactory = _ => 5 };
var andon = new Command("andon", "Down event to alert visible in Alertmanager, with background load.") { andonRate, andonSeconds, downs };
andon.SetAction((p, _) => AndonBenchmark.RunAsync(p.GetValue(andonRate), p.GetValue(andonSeconds), p.GetValue(downs)));

var minutes = new Option<double>("--minutes") { Description = "wall-clock minutes (the plant runs at 10x)", DefaultValueFactory = _ => 10 };
var seed = new Option<int>("--seed") { Description = "seed of the simulator and the chaos", DefaultValueFactory = _ => 7 };
var soak = new Command("soak", "The demo plant at 10x with random kills and service restarts; every store compared at the end.") { minutes, seed };
soak.SetAction((p, _) => SoakBenchmark.RunAsync(p.GetValue(minutes), p.GetValue(seed)));

var reportRuns = new Option<int>("--runs") { Description = "runs of each report (after one cold run)", DefaultValueFactory = _ => 7 };
var reportSeed = new Option<int>("--seed") { Description = "seed of the simulator", DefaultValueFactory = _ => 7 };
var reportKeep = new Option<bool>("--keep") { Description = "keep the benchmark database afterwards" };
var replayAndons = new Option<bool>("--replay-andons") { Description = "keep the Andons the engine raises only because it catches up on history" };
var reports = new Command("reports", ReportsBenchmark.Help) { reportRuns, reportSeed, reportKeep, replayAndons };
reports.SetAction((p, _) => ReportsBenchmark.RunAsync(p.GetValue(reportRuns), p.GetValue(reportSeed), p.GetValue(reportKeep), p.GetValue(replayAndons)));

var anomalyMachines = new Option<int>("--machines") { Description = "machines of the simulated plant (lines of 4)", DefaultValueFactory = _ => 48 };
var trainDays = new Option<int>("--train-days") { Description = "days of normal history the baseline is fitted on", DefaultValueFactory = _ => 28 };
var testDays = new Option<int>("--test-days") { Description = "held-out days with injected anomalies", DefaultValueFactory = _ => 7 };
var anomalySeed = new Option<int>("--seed") { Description = "seed of the simulator and the injection", DefaultValueFactory = _ => 7 };
var anomalyK = new Option<double[]>("--tail") { Description = "BaselineOptions.TailProbability, the share of normal stops a long-stop threshold lets pass (repeat to compare several; default 0.001)", AllowMultipleArgumentsPerToken = true };
var anomalyList = new Option<bool>("--list") { Description = "also list every false flag and every missed label" };
var anomaly = new Command("anomaly", AnomalyBenchmark.Help) { anomalyMachines, trainDays, testDays, anomalySeed, anomalyK, anomalyList };
anomaly.SetAction((p, _) => AnomalyBenchmark.RunAsync(p.GetValue(anomalyMachines), p.GetValue(trainDays), p.GetValue(testDays), p.GetValue(anomalySeed), p.GetValue(anomalyK) ?? [], p.GetValue(anomalyList)));

// The part of `reports` that runs in a fresh process per report kind (not for direct use).
var mDatabase = new Option<string>("--database") { Required = true };
var mPlant = new Option<string>("--plant") { Required = true };
var mLine = new Option<string?>("--line");
var mDay = new Option<DateOnly>("--day") { Required = true };
var mShift = new Option<string>("--shift") { Required = true };
var mRuns = new Option<int>("--runs") { DefaultValueFactory = _ => 7 };
var mResult = new Option<string>("--result") { Required = true };
var measure = new Command(ReportsMeasure.CommandName, "One report kind of the reports benchmark, measured in this process.") { mDatabase, mPlant, mLine, mDay, mShift, mRuns, mResult };
measure.Hidden = true;
measure.SetAction((p, _) => ReportsMeasure.RunAsync(p.GetRequiredValue(mDatabase), p.GetRequiredValue(mPlant), p.GetValue(mLine), p.GetValue(mDay),
    p.GetRequiredValue(mShift), p.GetValue(mRuns), p.GetRequiredValue(mResult)));

root.Subcommands.Add(ingest);
root.Subcommands.Add(oee);
root.Subcommands.Add(andon);
root.Subcommands.Add(soak);
root.Subcommands.Add(reports);
root.Subcommands.Add(anomaly);
root.Subcommands.Add(measure);
var parsed = root.Parse(args);
var code = await parsed.InvokeAsync();
return parsed.Errors.Count > 0 ? 2 : code;
