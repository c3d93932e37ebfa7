using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Stream.Hosting;

/// <summary>ms5-stream migrate [--plant FILE]: applies migrations, then loads (upserts) a plant file.</summary>
internal static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var cs = PgConnectionString.FromEnvironment();
        var applied = await Migrator.MigrateAsync(cs);
        Console.WriteLine(applied.Count == 0 ? "[ms5] database schema is up to date" : $"[ms5] applied migrations: {string.Join(", ", applied)}");
        var plantIndex = Array.IndexOf(args, "--plant");
        if (plantIndex < 0)
        {
            return 0;
        }

        if (plantIndex + 1 >= args.Length)
        {
            await Console.Error.WriteLineAsync("--plant needs a file");
            return 2;
        }

        var file = args[plantIndex + 1];
        if (!File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"plant file not found: {file}");
            return 2;
        }

        var json = await File.ReadAllTextAsync(file);
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
        await new PlantStore(db).SaveAsync(plant, json);
        Console.WriteLine($"[ms5] plant '{plant.PlantId}' loaded: {plant.Lines.Count} lines, {plant.Machines.Count()} machines, {plant.ReasonCodes.Count} reason codes");
        return 0;
    }
}
