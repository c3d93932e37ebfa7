using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Ms5.Analytics.Access;
using Scalar.AspNetCore;

namespace Ms5.Api;

/// <summary>
/// The API's own reference: the OpenAPI document that ASP.NET Core generates from the mapped endpoints
/// (GET /openapi/v1.json), with its security schemes (bearer token or API key, X-Api-Key) and, on every operation, the
/// policy it needs (x-ms5-policy and a "Requires:" line); and Scalar's reader for it at /docs (/api/reference sends
/// there). Both need a signed-in viewer. Scalar.AspNetCore embeds its script and serves it from the package; its default
/// fonts would come from a CDN, so they are off, and so are its telemetry, developer toolbar and AI chat: the plant
/// network may have no internet and the page must work there.
/// </summary>
public static class ApiReference
{
    /// <summary>Where Scalar's page answers.</summary>
    public const string ReferencePath = "/docs";

    /// <summary>The OpenAPI document's route (document "v1" at /openapi/v1.json).</summary>
    public const string DocumentPattern = "/openapi/{documentName}.json";

    public static IHostApplicationBuilder AddMs5ApiReference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info.Title = "MS5 API";
                doc.Info.Description = "OEE, downtime, shifts, Andon and shift reports of the plant. Home page: /. "
                    + "Authenticate with an access token from POST /api/auth/login (Authorization: Bearer <token>) or an API key "
                    + "(Authorization: Bearer <key> or X-Api-Key: <key>). Roles: viewer < operator < supervisor < engineer < admin; key scopes: ingest, read, board, admin.";
                doc.Components ??= new OpenApiComponents();
                doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                doc.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
                    Description = "An access token from POST /api/auth/login (15 minutes; renew with POST /api/auth/refresh), or an MS5 API key (ms5k_...).",
                };
                doc.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
                    Description = "An MS5 API key (POST /api/apikeys) with the scope the operation needs.",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((op, ctx, _) =>
            {
                var metadata = ctx.Description.ActionDescriptor.EndpointMetadata;
                if (metadata.OfType<IAllowAnonymous>().Any())
                {
                    op.Security = [];
                    op.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                    op.Extensions["x-ms5-policy"] = new JsonNodeExtension(JsonValue.Create("anonymous"));
                    return Task.CompletedTask;
                }

                var policy = metadata.OfType<IAuthorizeData>().LastOrDefault(a => a.Policy is not null)?.Policy ?? AccessPolicies.Admin;
                op.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", ctx.Document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", ctx.Document)] = [] },
                ];
                op.Extensions ??= new Dictionary<string, IOpenApiExtension>();
                op.Extensions["x-ms5-policy"] = new JsonNodeExtension(JsonValue.Create(policy));
                op.Extensions["x-ms5-minimum-role"] = new JsonNodeExtension(JsonValue.Create(AccessPolicies.MinimumRole(policy) ?? "any"));
                op.Description = ((op.Description ?? "") + $"\n\nRequires: {AccessPolicies.Describe(policy)} (policy '{policy}').").Trim();
                op.Responses ??= new OpenApiResponses();
                op.Responses.TryAdd("401", new OpenApiResponse { Description = "No credential, or one that is not valid." });
                op.Responses.TryAdd("403", new OpenApiResponse { Description = $"The caller lacks {AccessPolicies.Describe(policy)}." });
                op.Responses.TryAdd("429", new OpenApiResponse { Description = "Rate limited: retry after Retry-After seconds." });
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapMs5ApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPattern).RequireAuthorization(AccessPolicies.Read);
        app.MapScalarApiReference(ReferencePath, o =>
        {
            o.Title = "MS5 API reference";
            o.DefaultFonts = false;
            o.Telemetry = false;
            // Its cloud extras (hosted tools, AI chat) need the internet and have no place on a plant network.
            o.ShowDeveloperTools = DeveloperToolsVisibility.Never;
            o.DisableAgent();
            o.OpenApiRoutePattern = DocumentPattern;
        }).RequireAuthorization(AccessPolicies.Read)
            // Scalar marks its script and icon endpoints AllowAnonymous, which would override the policy: only /healthz,
            // /readyz, /metrics and signing in are anonymous. The page that loads them needs a viewer anyway.
            .Finally(b =>
            {
                foreach (var anonymous in b.Metadata.OfType<IAllowAnonymous>().ToList())
                {
                    b.Metadata.Remove(anonymous);
                }
            });
        app.MapGet("/api/reference", () => Results.Redirect(ReferencePath)).RequireAuthorization(AccessPolicies.Read).ExcludeFromDescription();
        return app;
    }
}
