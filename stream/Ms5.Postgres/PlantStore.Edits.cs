using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ms5.Analytics.Plant;
using Npgsql;

namespace Ms5.Postgres;

/// <summary>Where a plant version came from: source 'file' (with the file's SHA-256) or 'api', who made it and a one-line summary.</summary>
public sealed record PlantChange(string Source, string? FileSha256, string ChangedBy, string Summary);

/// <summary>One version of a plant's configuration (table plant_config_history).</summary>
public sealed record PlantVersion(int Version, DateTimeOffset ChangedAt, string ChangedBy, string Source, string Summary);

/// <summary>What <see cref="PlantStore.LoadFileAsync"/> did with a plant file.</summary>
public enum PlantFileOutcome
{
    /// <summary>The plant was new or last loaded from a file: the file was loaded.</summary>
    Loaded,

    /// <summary>The same file was loaded before and nothing changed the plant since: nothing to do.</summary>
    Unchanged,

    /// <summary>The plant was edited through the API after the same file was loaded: the API's edits were kept.</summary>
    KeptApiEdits,

    /// <summary>The plant was edited through the API, and the file changed since (or replacing was asked for): the file replaced the edits.</summary>
    ReplacedApiEdits,
}

/// <summary>
/// Changes to a stored plant, one plant row locked (<c>SELECT … FOR UPDATE</c>) from reading its JSON to committing
/// the new one, so two edits never lose each other.
/// </summary>
public sealed partial class PlantStore
{
    public static string Sha256Of(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Loads a plant file (<c>migrate --plant FILE</c>). A plant last edited through the API is replaced only when the
    /// file differs from the one last loaded or <paramref name="replace"/> is set: a restart never silently throws
    /// API edits away.
    /// </summary>
    public async Task<PlantFileOutcome> LoadFileAsync(PlantConfig plant, string rawJson, bool replace, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(plant);
        var sha = Sha256Of(rawJson);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        string? source = null, storedSha = null;
        await using (var cmd = new NpgsqlCommand("SELECT config_source, file_sha256 FROM plants WHERE plant_id = $1 FOR UPDATE", conn, tx))
        {
            cmd.Parameters.AddWithValue(plant.PlantId);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
            {
                source = r.GetString(0);
                storedSha = r.IsDBNull(1) ? null : r.GetString(1);
            }
        }

        var sameFile = storedSha == sha;
        var outcome = (source, sameFile, replace) switch
        {
            ("api", true, false) => PlantFileOutcome.KeptApiEdits,
            ("api", _, _) => PlantFileOutcome.ReplacedApiEdits,
            ("file", true, false) => PlantFileOutcome.Unchanged,
            _ => PlantFileOutcome.Loaded,
        };
        if (outcome is PlantFileOutcome.Loaded or PlantFileOutcome.ReplacedApiEdits)
        {
            var summary = outcome == PlantFileOutcome.ReplacedApiEdits ? "loaded from a plant file, replacing edits made through the API" : "loaded from a plant file";
            await WriteAsync(conn, tx, plant, rawJson, new PlantChange("file", sha, "migrate", summary), ct);
        }

        await tx.CommitAsync(ct);
        return outcome;
    }

    /// <summary>Locks a plant and returns its stored JSON to change; null when the plant is unknown.</summary>
    public async Task<PlantEdit?> BeginEditAsync(string plantId, CancellationToken ct = default)
    {
        var conn = await db.OpenConnectionAsync(ct);
        var tx = await conn.BeginTransactionAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT config::text FROM plants WHERE plant_id = $1 FOR UPDATE", conn, tx);
        cmd.Parameters.AddWithValue(plantId);
        if (await cmd.ExecuteScalarAsync(ct) is not string json)
        {
            await tx.DisposeAsync();
            await conn.DisposeAsync();
            return null;
        }

        return new PlantEdit(plantId, JsonNode.Parse(json)!.AsObject(), conn, tx);
    }

    /// <summary>The plant a machine belongs to (any machine ever loaded, active or not), or null.</summary>
    public Task<string?> PlantOfMachineAsync(string machineId, CancellationToken ct = default) => ScalarAsync("SELECT plant_id FROM machines WHERE machine_id = $1", machineId, ct);

    /// <summary>The plant a line belongs to, or null.</summary>
    public Task<string?> PlantOfLineAsync(string lineId, CancellationToken ct = default) => ScalarAsync("SELECT plant_id FROM lines WHERE line_id = $1", lineId, ct);

    /// <summary>The versions of a plant's configuration, newest first.</summary>
    public async Task<IReadOnlyList<PlantVersion>> HistoryAsync(string plantId, int limit, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT version, changed_at, changed_by, source, summary FROM plant_config_history WHERE plant_id = $1 ORDER BY version DESC LIMIT $2");
        cmd.Parameters.AddWithValue(plantId);
        cmd.Parameters.AddWithValue(limit);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<PlantVersion>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new PlantVersion(r.GetInt32(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetString(4)));
        }

        return list;
    }

    /// <summary>One stored version's full JSON, or null.</summary>
    public async Task<string?> VersionConfigAsync(string plantId, int version, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT config::text FROM plant_config_history WHERE plant_id = $1 AND version = $2");
        cmd.Parameters.AddWithValue(plantId);
        cmd.Parameters.AddWithValue(version);
        return (string?)await cmd.ExecuteScalarAsync(ct);
    }

    private async Task<string?> ScalarAsync(string sql, string arg, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.AddWithValue(arg);
        return (string?)await cmd.ExecuteScalarAsync(ct);
    }
}

/// <summary>A plant locked for a change: edit <see cref="Config"/>, then <see cref="CommitAsync"/>; disposing without committing changes nothing.</summary>
public sealed class PlantEdit(string plantId, JsonObject config, NpgsqlConnection conn, NpgsqlTransaction tx) : IAsyncDisposable
{
    public string PlantId { get; } = plantId;

    /// <summary>The stored plant file, to change in place.</summary>
    public JsonObject Config { get; } = config;

    /// <summary>Stores <paramref name="plant"/> (parsed from <see cref="Config"/>) as the plant's new version (source 'api'); returns the version.</summary>
    public async Task<int> CommitAsync(PlantConfig plant, string changedBy, string summary, CancellationToken ct = default)
    {
        var version = await PlantStore.WriteAsync(conn, tx, plant, Config.ToJsonString(), new PlantChange("api", FileSha256: null, changedBy, summary), ct);
        await tx.CommitAsync(ct);
        return version;
    }

    public async ValueTask DisposeAsync()
    {
        await tx.DisposeAsync();
        await conn.DisposeAsync();
    }
}
