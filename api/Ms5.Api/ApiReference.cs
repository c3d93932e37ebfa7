using Scalar.AspNetCore;

namespace Ms5.Api;

/// <summary>
/// The API's own reference: the OpenAPI document that ASP.NET Core generates from the mapped endpoints
/// (GET /openapi/v1.json) and Scalar's reader for it (GET /api/reference). Scalar.AspNetCore embeds its script and
/// serves it from the package under /api/reference/ (scalar.js); its default fonts would come from a CDN, so they
/// are off, and so are its telemetry, developer toolbar and AI chat: the plant network may have no internet and the page must work there.
/// </summary>
public static class ApiReference
{
    /// <summary>Where Scalar's page answers.</summary>
    public const string ReferencePath = "/api/reference";

    /// <summary>The OpenAPI document's route (document "v1" at /openapi/v1.json).</summary>
    public const string DocumentPattern = "/openapi/{documentName}.json";

    public static IHostApplicationBuilder AddMs5ApiReference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "MS5 API";
            doc.Info.Description = "OEE, downtime, shifts, Andon and shift reports of the plant. Home page: /";
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static IEndpointRouteBuilder MapMs5ApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPattern);
        app.MapScalarApiReference(ReferencePath, o =>
        {
            o.Title = "MS5 API reference";
            o.DefaultFonts = false;
            o.Telemetry = false;
            // Its cloud extras (hosted tools, AI chat) need the internet and have no place on a plant network.
            o.ShowDeveloperTools = DeveloperToolsVisibility.Never;
            o.DisableAgent();
            o.OpenApiRoutePattern = DocumentPattern;
        });
        return app;
    }
}
