using Ms5.Ingest;

// ms5-ingest simulate --plant FILE [...]   run the plant simulator (see SimulateCommand)
// ms5-ingest replay FILE [--speed X]       replay a JSONL / JSON array / CSV file (see ReplayCommand)
return args.FirstOrDefault() switch
{
    "simulate" => await SimulateCommand.RunAsync(args[1..]),
    "replay" => ReplayCommand.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: ms5-ingest simulate --plant FILE [--seed N] [--backfill 2h] [--incident MACHINE@+5m/10m:REASON]\n       ms5-ingest replay FILE [--speed X] [--topic TOPIC]");
    return 2;
}
