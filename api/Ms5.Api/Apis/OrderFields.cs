using System.Text.Json;
using Ms5.Analytics.Events;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ms5.Api.Apis;

/// <summary>Reading the order APIs' JSON fields, adding an error named after the field instead of throwing.</summary>
internal static class OrderFields
{
    public const long MaxTarget = 1_000_000_000;

    /// <summary>Fields the body may not have: each gets an error saying which fields are allowed.</summary>
    public static void RejectUnknown(JsonElement body, IReadOnlyCollection<string> allowed, Dictionary<string, string[]> errors, Func<string, string?>? why = null)
    {
        foreach (var p in body.EnumerateObject().Where(p => !allowed.Contains(p.Name)))
        {
            errors[p.Name] = [why?.Invoke(p.Name) ?? $"unknown field; allowed: {string.Join(", ", allowed)}"];
        }
    }

    public static bool Has(JsonElement body, string name) => body.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    /// <summary>An ISO-8601 instant with an offset (or Z).</summary>
    public static DateTimeOffset? Instant(JsonElement body, string name, bool required, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[name] = ["is required (ISO-8601, e.g. 2026-11-26T06:00:00Z)"];
            }

            return null;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            errors[name] = ["must be an ISO-8601 instant string, e.g. 2026-11-26T06:00:00Z"];
            return null;
        }

        if (!Timestamps.TryParse(v.GetString()!, out var ts, out var error))
        {
            errors[name] = [error];
            return null;
        }

        return QueryParams.InRange(ts, name, errors);
    }

    /// <summary>A whole number from 1 to <see cref="MaxTarget"/>.</summary>
    public static long? Quantity(JsonElement body, string name, bool required, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[name] = ["is required (a positive whole number of good parts)"];
            }

            return null;
        }

        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < 1 || n > MaxTarget)
        {
            errors[name] = [$"must be a whole number from 1 to {MaxTarget}, got {Short(v.GetRawText())}"];
            return null;
        }

        return n;
    }

    /// <summary>A non-empty array of distinct non-empty strings.</summary>
    public static IReadOnlyList<string>? Ids(JsonElement body, string name, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0 || v.GetArrayLength() > 1000
            || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(e.GetString())))
        {
            errors[name] = ["must be a non-empty array of machine ids, e.g. [\"press-01\"]"];
            return null;
        }

        var ids = v.EnumerateArray().Select(e => e.GetString()!).ToList();
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            errors[name] = ["must not list a machine twice"];
            return null;
        }

        return ids;
    }

    /// <summary>
    /// The optional <c>at</c> of a change: when it happened (business time), default now. It may lie in the past (orders
    /// recorded after the fact) but not further in the future than the clock skew allowed for events.
    /// </summary>
    public static DateTimeOffset At(JsonElement body, DateTimeOffset now, TimeSpan maxSkew, Dictionary<string, string[]> errors)
    {
        var at = Instant(body, "at", required: false, errors);
        if (at is { } a && a > now + maxSkew)
        {
            errors["at"] = [$"must not lie in the future (more than {maxSkew.TotalSeconds:0} s after now, {now:O})"];
        }

        return at ?? now;
    }

    /// <summary>An optional body: none (or an empty one) is {}; anything else must be a JSON object.</summary>
    public static async Task<(JsonElement Body, ProblemHttpResult? Error)> OptionalObjectAsync(HttpRequest request, string example, CancellationToken ct)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.HasJsonContentType() && request.Headers.TransferEncoding.Count == 0))
        {
            return (JsonDocument.Parse("{}").RootElement.Clone(), null);
        }

        return await JsonBody.ReadObjectAsync(request, example, ct);
    }

    public static string Short(string s) => s.Length <= 64 ? s : string.Concat(s.AsSpan(0, 61), "...");
}
