using Ms5.Benchmarks;

// ./ms5 bench ingest [--events N] [--partitions P] | ./ms5 bench oee [--events N]
return args.FirstOrDefault() switch
{
    "ingest" => await IngestBenchmark.RunAsync(args[1..]),
    "oee" => await OeeBenchmark.RunAsync(args[1..]),
    "andon" => await AndonBenchmark.RunAsync(args[1..]),
    "soak" => await SoakBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ms5 bench ingest [--events 1000000] [--partitions 128]\n       ms5 bench oee [--events 300000] [--rate 10000] [--seconds 30]\n       ms5 bench andon [--rate 10000] [--seconds 30] [--downs-per-second 5]\n       ms5 bench soak [--minutes 10] [--seed 7]");
    return 2;
}
