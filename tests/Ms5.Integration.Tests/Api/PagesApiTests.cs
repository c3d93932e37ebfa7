using System.Net;
using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Api;

/// <summary>
/// The browser pages besides the board: GET / (home) and GET /reports with their script and style, served from
/// wwwroot and revalidated on every load like /andon; the OpenAPI document (/openapi/v1.json) and Scalar's reader
/// (/api/reference), whose script comes from this server, not from a CDN (the plant network may have no internet).
/// </summary>
[Collection("stack")]
public sealed class PagesApiTests(StackFixture stack)
{
    [Theory]
    [InlineData("/", "text/html", "<script src=\"/home.js\"></script>")]
    [InlineData("/reports", "text/html", "<script src=\"/reports.js\"></script>")]
    [InlineData("/reports?plant=demo&line=line-1", "text/html", "<link rel=\"stylesheet\" href=\"/reports.css\">")]
    [InlineData("/reports.js", "text/javascript", "/api/reports")]
    [InlineData("/reports.css", "text/css", "@media")]
    [InlineData("/home.js", "text/javascript", "/readyz")]
    public async Task Page_Get_Is200WithItsContentTypeAndNoCache(string path, string contentType, string content)
    {
        await using var api = new ApiFactory(stack);

        var resp = await api.CreateClient().GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(contentType, resp.Content.Headers.ContentType?.MediaType);
        Assert.True(resp.Headers.CacheControl?.NoCache, $"Cache-Control of {path}: {resp.Headers.CacheControl}");
        Assert.NotNull(resp.Content.Headers.LastModified);
        Assert.Contains(content, await resp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HomePage_LinksTheBoardTheReportsTheApiReferenceAndTheStatus()
    {
        await using var api = new ApiFactory(stack);

        var html = await api.CreateClient().GetStringAsync(new Uri("/", UriKind.Relative));

        foreach (var href in new[] { "/andon", "/reports", "/api/reference", "/openapi/v1.json", "/readyz" })
        {
            Assert.Contains($"href=\"{href}\"", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pages_LoadNothingFromOtherHosts()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        foreach (var path in new[] { "/", "/reports", "/reports.js", "/home.js", "/reports.css" })
        {
            var text = await client.GetStringAsync(new Uri(path, UriKind.Relative));
            Assert.DoesNotContain("http://", text, StringComparison.Ordinal);
            Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
            Assert.DoesNotContain("//cdn", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task OpenApiDocument_ListsTheApis_ButNotThePages()
    {
        await using var api = new ApiFactory(stack);

        var resp = await api.CreateClient().GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal("application/json", resp.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await resp.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", doc.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.Equal("MS5 API", doc.RootElement.GetProperty("info").GetProperty("title").GetString());
        var paths = doc.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var path in new[] { "/api/oee", "/api/machines", "/api/shifts", "/api/reports", "/api/reports/{id}", "/api/reports/{id}/pdf", "/api/reports/schedule", "/readyz" })
        {
            Assert.Contains(path, paths);
        }

        Assert.DoesNotContain("/", paths);
        Assert.DoesNotContain("/reports", paths);
        Assert.DoesNotContain("/andon", paths);
        Assert.True(doc.RootElement.GetProperty("paths").GetProperty("/api/reports").TryGetProperty("post", out _), "POST /api/reports in the document");
    }

    [Fact]
    public async Task ApiReference_Is200_AndItsScriptIsServedHere()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        var page = await client.GetAsync(new Uri("/api/reference", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"scalar.js\"></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);

        var script = await client.GetAsync(new Uri("/api/reference/scalar.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000, "Scalar's bundle, served from the package");
    }

    [Theory]
    [InlineData("index.html")]
    [InlineData("home.js")]
    [InlineData("reports.html")]
    [InlineData("reports.js")]
    [InlineData("reports.css")]
    public void PageFile_IsInTheBuildOutput(string file)
    {
        var dir = Path.GetDirectoryName(Repo.Dll("api/Ms5.Api", "Ms5.Api"))!;

        Assert.True(File.Exists(Path.Combine(dir, "wwwroot", file)), $"{file} missing in {dir}/wwwroot");
    }
}
