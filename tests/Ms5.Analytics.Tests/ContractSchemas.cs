using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;

namespace Ms5.Analytics.Tests;

/// <summary>
/// The JSON Schemas of analytics/contract, read from the repository, and their errors for an instance as
/// "location: keyword: message" lines (empty: valid). Formats (date-time, uuid) are checked, not just annotated.
/// Shared with the integration tests (linked there), so both judge messages the same way.
/// </summary>
internal static class ContractSchemas
{
    private static readonly ConcurrentDictionary<string, JsonSchema> Loaded = new(StringComparer.Ordinal);

    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    /// <summary>The schema analytics/contract/<paramref name="name"/>.schema.json under <paramref name="repoRoot"/>.</summary>
    public static JsonSchema Load(string repoRoot, string name) =>
        Loaded.GetOrAdd(Path.Combine(repoRoot, "analytics", "contract", name + ".schema.json"),
            path => JsonSchema.FromText(File.ReadAllText(path), new BuildOptions()));

    public static IReadOnlyList<string> Errors(string repoRoot, string name, JsonElement instance)
    {
        var result = Load(repoRoot, name).Evaluate(instance, Options);
        if (result.IsValid)
        {
            return [];
        }

        return new[] { result }.Concat(result.Details ?? [])
            .SelectMany(d => (d.Errors ?? new Dictionary<string, string>()).Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    public static IReadOnlyList<string> Errors(string repoRoot, string name, ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        return Errors(repoRoot, name, doc.RootElement);
    }
}
