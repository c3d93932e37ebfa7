using Ms5.Benchmarks;

// ./ms5 bench ingest [--events N] [--partitions P]
return args.FirstOrDefault() switch
{
    "ingest" => await IngestBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ms5 bench ingest [--events 1000000] [--partitions 64]");
    return 2;
}
