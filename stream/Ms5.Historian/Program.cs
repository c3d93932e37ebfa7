using System.CommandLine;
using Ms5.Historian;

// ms5-historian [run]                   the historian consumers (Stream:Sinks = pg,influx)
// ms5-historian migrate [--plant FILE]  apply database migrations and load a plant file
var root = new RootCommand("MS5 historian: raw events from Kafka into PostgreSQL and InfluxDB.") { MigrateCommand.Create() };
root.SetAction((_, ct) => HistorianHost.RunAsync(args, ct));
root.TreatUnmatchedTokensAsErrors = false;
// The host handles SIGTERM itself (graceful shutdown finishes the batch being written).
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
