using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ms5.Api.Apis;

/// <summary>Reading a JSON request body field by field, adding a named error instead of throwing (shared by the POST APIs).</summary>
internal static class JsonBody
{
    public const int MaxText = 500;

    /// <summary>The body as a JSON object, or a 415/400 problem saying what is wrong with it.</summary>
    public static async Task<(JsonElement Body, ProblemHttpResult? Error)> ReadObjectAsync(HttpRequest request, string example, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
        {
            return (default, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", detail: $"send JSON (Content-Type: application/json), e.g. {example}"));
        }

        try
        {
            // A key given twice is refused (which one would count?), so a body never fails later on a duplicate key.
            using var doc = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { AllowDuplicateProperties = false }, ct);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (default, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid body", detail: "the body must be a JSON object"));
            }

            return (doc.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return (default, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid body", detail: $"not valid JSON: {ex.Message}"));
        }
    }

    /// <summary>A trimmed non-empty string field of at most <see cref="MaxText"/> characters without control characters, or null (with an error when required or malformed).</summary>
    public static string? Text(JsonElement body, string name, bool required, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors[name] = ["is required"];
            }

            return null;
        }

        if (v.ValueKind != JsonValueKind.String || v.GetString() is not { } s || string.IsNullOrWhiteSpace(s))
        {
            errors[name] = ["must be a non-empty string"];
            return null;
        }

        if (s.Length > MaxText || s.Any(char.IsControl))
        {
            errors[name] = [$"must be at most {MaxText} characters without control characters"];
            return null;
        }

        return s.Trim();
    }
}
