using Ms5.Analytics.Access;
namespace Ms5.Api.Apis;

/// <summary>
/// The browser pages besides the Andon board, static files in wwwroot served like /andon: GET / (index.html: links
/// to the board, the reports, the API reference and the status) and GET /reports (reports.html with its reports.js
/// and reports.css, which <see cref="BoardApi.UseBoardFiles"/> serves). Every one is revalidated on each load
/// ("no-cache" with ETag and Last-Modified), so a browser never keeps a page that no longer matches the API.
/// </summary>
internal static class PagesApi
{
    public static void MapPagesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (IWebHostEnvironment env, HttpResponse response) => Page(env, response, "index.html"))
            .RequireAuthorization(AccessPolicies.Read).WithName("HomePage").ExcludeFromDescription();
        app.MapGet("/reports", (IWebHostEnvironment env, HttpResponse response) => Page(env, response, "reports.html"))
            .RequireAuthorization(AccessPolicies.Read).WithName("ReportsPage").ExcludeFromDescription();
    }

    private static IResult Page(IWebHostEnvironment env, HttpResponse response, string file)
    {
        response.Headers.CacheControl = "no-cache";
        return TypedResults.PhysicalFile(Path.Combine(env.WebRootPath, file), "text/html; charset=utf-8", enableRangeProcessing: false);
    }
}
