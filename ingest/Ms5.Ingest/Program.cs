using Ms5.Ingest;

// ms5-ingest simulate --plant FILE [...]   run the plant simulator (see Simulate/SimulateCommand)
// ms5-ingest replay FILE [--speed X]       replay a JSONL / JSON array / CSV file (see Replay/ReplayCommand)
return await IngestCli.InvokeAsync(args);
