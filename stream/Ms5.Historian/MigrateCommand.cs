using System.CommandLine;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Ms5.ServiceDefaults;
using Npgsql;

namespace Ms5.Historian;

/// <summary>ms5-historian migrate [--plant FILE]: applies migrations, then loads (upserts) a plant file.</summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var plant = new Option<FileInfo?>("--plant") { Description = "plant file to load (format: infra/plants/README.md)", HelpName = "FILE" };
        var command = new Command("migrate", "Apply the database migrations (MS5_PG), then load a plant file if one is given.") { plant };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(plant), ct));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? file, CancellationToken ct)
    {
        var cs = PgConnectionString.FromConfiguration(new ConfigurationBuilder().AddMs5Environment().Build());
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
        await new PlantStore(db).SaveAsync(plant, json);
        Console.WriteLine($"[ms5] plant '{plant.PlantId}' loaded: {plant.Lines.Count} lines, {plant.Machines.Count()} machines, {plant.ReasonCodes.Count} reason codes");
        return 0;
    }
}
