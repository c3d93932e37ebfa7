using System.CommandLine;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Ms5.ServiceDefaults;
using Npgsql;

namespace Ms5.Historian;

/// <summary>ms5-historian migrate [--plant FILE [--replace]]: applies migrations, then loads (upserts) a plant file unless the plant was edited through the API since the same file was loaded (see <see cref="PlantStore.LoadFileAsync"/>).</summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var plant = new Option<FileInfo?>("--plant") { Description = "plant file to load (format: infra/plants/README.md)", HelpName = "FILE" };
        var replace = new Option<bool>("--replace") { Description = "load the plant file even over edits made through the API since the same file was last loaded" };
        var expandOnly = new Option<bool>("--expand-only")
        {
            Description = "a deploy beside a running release: refuse (exit 3, applying nothing) when a pending migration could break it (drops, renames, type changes, new constraints; see MigrationCompatibility)",
        };
        var command = new Command("migrate", "Apply the database migrations (MS5_PG), then load a plant file if one is given.") { plant, replace, expandOnly };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(plant), parse.GetValue(replace), parse.GetValue(expandOnly), ct));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? file, bool replace, bool expandOnly, CancellationToken ct)
    {
        var cs = PgConnectionString.FromConfiguration(new ConfigurationBuilder().AddMs5Environment().Build());
        if (expandOnly)
        {
            var pending = await Migrator.PendingAsync(cs, ct);
            var problems = pending.SelectMany(m => MigrationCompatibility.Check(m.Version, m.Sql)).ToList();
            foreach (var (version, sql) in pending)
            {
                if (MigrationCompatibility.Marker(sql, "expand-safe") is { } reason)
                {
                    Console.WriteLine($"[ms5] {version}: expand-safe on its author's word: {reason}");
                }
            }

            if (problems.Count > 0)
            {
                await Console.Error.WriteLineAsync($"[ms5] refused: {problems.Count} statement(s) of the pending migrations could break the release that serves beside the new one (nothing was applied):");
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync($"  {problem}");
                }

                await Console.Error.WriteLineAsync("  Ship the expand part first (add, never drop or rename); the contract part goes in a migration marked '-- ms5:contract', applied by ./ms5 up once no release uses the old shape.");
                return 3;
            }
        }

        var applied = await Migrator.MigrateAsync(cs);
        Console.WriteLine(applied.Count == 0 ? "[ms5] database schema is up to date" : $"[ms5] applied migrations: {string.Join(", ", applied)}");
        if (file is null)
        {
            return 0;
        }

        if (!file.Exists)
        {
            await Console.Error.WriteLineAsync($"plant file not found: {file}");
            return 2;
        }

        var json = await File.ReadAllTextAsync(file.FullName, ct);
        PlantConfig plant;
        try
        {
            plant = PlantConfigParser.Parse(json);
        }
        catch (PlantConfigException ex)
        {
            await Console.Error.WriteLineAsync($"{file}: {ex.Message}");
            return 2;
        }

        await using var db = NpgsqlDataSource.Create(cs);
        var outcome = await new PlantStore(db).LoadFileAsync(plant, json, replace, ct);
        var counts = $"{plant.Lines.Count} lines, {plant.Machines.Count()} machines, {plant.ReasonCodes.Count} reason codes";
        Console.WriteLine(outcome switch
        {
            PlantFileOutcome.Unchanged => $"[ms5] plant '{plant.PlantId}' is up to date with {file.Name} ({counts})",
            PlantFileOutcome.KeptApiEdits => $"[ms5] plant '{plant.PlantId}' was edited through the API since {file.Name} was loaded: kept the edits (GET /api/plant shows them; --replace or a changed file loads the file)",
            PlantFileOutcome.ReplacedApiEdits => $"[ms5] plant '{plant.PlantId}' loaded from {file.Name}, REPLACING edits made through the API (earlier versions: GET /api/plant/history): {counts}",
            _ => $"[ms5] plant '{plant.PlantId}' loaded: {counts}",
        });
        return 0;
    }
}
