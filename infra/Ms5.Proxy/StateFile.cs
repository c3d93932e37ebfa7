using System.Text.Json;

namespace Ms5.Proxy;

/// <summary>
/// The active upstream on disk (Proxy:StateFile), so a restarted proxy serves the same one. Written to a temporary file
/// in the same folder, flushed and renamed over the old one: a crash leaves either the old or the new state, never half.
/// </summary>
internal sealed class StateFile(string path)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The stored state, null when there is no file; a file that cannot be read as a state is an error naming it.</summary>
    public ProxyState? Read()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        try
        {
            var state = JsonSerializer.Deserialize<ProxyState>(File.ReadAllText(Path), Json);
            if (state?.Active is { } a && (ProxyOptions.UpstreamUrlProblem(a.Url) is not null || ProxyOptions.SlotProblem(a.Slot) is not null))
            {
                throw new JsonException($"active upstream '{a.Slot}' '{a.Url}' is not a valid slot and URL");
            }

            return state;
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{ProxyOptions.Section}:StateFile: '{Path}' is not a proxy state ({ex.Message}); fix or remove it", ex);
        }
    }

    public async Task WriteAsync(ProxyState state, CancellationToken ct)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temp = $"{Path}.{Environment.ProcessId}.tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await JsonSerializer.SerializeAsync(stream, state, Json, ct);
            await stream.FlushAsync(ct);
        }

        File.Move(temp, Path, overwrite: true);
    }
}
