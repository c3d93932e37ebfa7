using System.Text.Json;
using Ms5.Analytics.Access;
using Ms5.Api.Access;
using Ms5.Postgres.Access;
using Npgsql;

namespace Ms5.Api.Apis;

public sealed record ApiKeyResponse(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, string CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, bool Active)
{
    internal static ApiKeyResponse From(ApiKeyRecord k, DateTimeOffset now) =>
        new(k.Id, k.Name, k.Prefix, k.Scopes, k.CreatedBy, k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt, k.IsValidAt(now));
}

public sealed record CreatedApiKeyResponse(Guid Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, string Key);

public sealed record ApiKeyListResponse(int Count, IReadOnlyList<ApiKeyResponse> Keys);

/// <summary>
/// API keys (admin): POST /api/apikeys {name, scopes: [ingest|read|board|admin], expiresAt?} → 201 with the key, shown this
/// once (only its SHA-256 is kept); GET /api/apikeys; GET /api/apikeys/{id}; DELETE /api/apikeys/{id} revokes it (and the
/// board screens opened with it). Send a key as "Authorization: Bearer KEY" or "X-Api-Key: KEY".
/// </summary>
internal static class ApiKeysApi
{
    public static void MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var keys = app.MapGroup("/api/apikeys").WithTags("users").RequireAuthorization(AccessPolicies.Admin);
        keys.MapPost("/", CreateAsync).WithName("CreateApiKey").WithSummary("Create an API key; the answer holds the key, shown only this once.")
            .Accepts<JsonElement>("application/json").Produces<CreatedApiKeyResponse>(201).ProducesValidationProblem();
        keys.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("Every API key (never the key itself).");
        keys.MapGet("/{id}", GetAsync).WithName("GetApiKey").WithSummary("One API key.").ProducesProblem(404).ProducesValidationProblem();
        keys.MapDelete("/{id}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revoke an API key.").ProducesProblem(404).ProducesValidationProblem();
    }

    private static async Task<IResult> CreateAsync(HttpContext ctx, NpgsqlDataSource db, AuditTrail audit, TimeProvider time)
    {
        var (body, bodyError) = await JsonBody.ReadObjectAsync(ctx.Request, "{\"name\": \"line-1-gateway\", \"scopes\": [\"ingest\"]}", ctx.RequestAborted);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var name = JsonBody.Text(body, "name", required: true, errors);
        if (name is { Length: > 100 })
        {
            errors["name"] = ["must be at most 100 characters"];
        }

        var scopes = new List<string>();
        if (!body.TryGetProperty("scopes", out var s) || s.ValueKind != JsonValueKind.Array || s.GetArrayLength() == 0)
        {
            errors["scopes"] = [$"must be a non-empty array of scopes: {string.Join(", ", ApiScopes.All)}"];
        }
        else
        {
            foreach (var item in s.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !ApiScopes.IsKnown(item.GetString()!))
                {
                    errors["scopes"] = [$"'{(item.ValueKind == JsonValueKind.String ? item.GetString() : item.ValueKind.ToString())}' is not a scope; scopes: {string.Join(", ", ApiScopes.All)}"];
                    break;
                }

                if (!scopes.Contains(item.GetString()!))
                {
                    scopes.Add(item.GetString()!);
                }
            }
        }

        var now = time.GetUtcNow();
        DateTimeOffset? expiresAt = null;
        if (body.TryGetProperty("expiresAt", out var e) && e.ValueKind != JsonValueKind.Null)
        {
            if (e.ValueKind != JsonValueKind.String || !DateTimeOffset.TryParse(e.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at)
                || !(e.GetString()!.EndsWith('Z') || e.GetString()!.Contains('+', StringComparison.Ordinal) || e.GetString()!.LastIndexOf('-') > 10))
            {
                errors["expiresAt"] = ["must be an ISO 8601 instant with an offset, e.g. 2027-01-01T00:00:00Z"];
            }
            else if (at <= now)
            {
                errors["expiresAt"] = ["must be in the future"];
            }
            else
            {
                expiresAt = at.ToUniversalTime();
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid API key");
        }

        var secret = Secrets.New(Secrets.ApiKeyPrefix);
        var record = new ApiKeyRecord(Guid.NewGuid(), name!, secret[..12], scopes, ctx.User.Actor(), now, expiresAt, null, null);
        await ApiKeyStore.InsertAsync(db, record, Secrets.Hash(secret), ctx.RequestAborted);
        await audit.RecordAsync(ctx, "apikey.create", $"{record.Id} ({name})", "success", "scopes " + string.Join(",", scopes));
        return TypedResults.Created($"/api/apikeys/{record.Id}", new CreatedApiKeyResponse(record.Id, record.Name, scopes, now, expiresAt, secret));
    }

    private static async Task<IResult> ListAsync(NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var keys = await ApiKeyStore.ListAsync(db, ct);
        return TypedResults.Ok(new ApiKeyListResponse(keys.Count, keys.Select(k => ApiKeyResponse.From(k, now)).ToList()));
    }

    private static async Task<IResult> GetAsync(string id, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid))
        {
            return BadId(id);
        }

        return await ApiKeyStore.GetAsync(db, guid, ct) is { } k ? TypedResults.Ok(ApiKeyResponse.From(k, time.GetUtcNow())) : NotFound(guid);
    }

    private static async Task<IResult> RevokeAsync(string id, HttpContext ctx, NpgsqlDataSource db, AuditTrail audit, OpaqueCredentials credentials, TimeProvider time)
    {
        if (!Guid.TryParse(id, out var guid))
        {
            return BadId(id);
        }

        if (await ApiKeyStore.GetAsync(db, guid, ctx.RequestAborted) is not { } key)
        {
            return NotFound(guid);
        }

        var revoked = await ApiKeyStore.RevokeAsync(db, guid, time.GetUtcNow(), ctx.RequestAborted);
        credentials.Forget();
        await audit.RecordAsync(ctx, "apikey.revoke", $"{guid} ({key.Name})", revoked ? "success" : "already_revoked");
        return TypedResults.NoContent();
    }

    private static IResult BadId(string id) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = [$"'{(id.Length > 64 ? id[..61] + "..." : id)}' is not an API key id (a UUID)"] });

    private static IResult NotFound(Guid id) => TypedResults.Problem(statusCode: 404, title: "Unknown API key", detail: $"no API key with id {id}");
}
