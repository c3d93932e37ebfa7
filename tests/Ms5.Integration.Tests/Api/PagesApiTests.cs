using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Api;

/// <summary>
/// The browser pages besides the board: GET / (home) and GET /reports with their script and style, served from
/// wwwroot and revalidated on every load like /andon; without a session a browser asking for one is sent to the login
/// page (/login.html, a static file anyone may load), a script gets 401. The OpenAPI document (/openapi/v1.json) and
/// Scalar's reader (/docs, where /api/reference sends), whose script comes from this server, not from a CDN (the
/// plant network may have no internet). The pages' files run under the CSP (no inline script) and keep no token in
/// web storage.
/// </summary>
[Collection(StackCollections.Web)]
public sealed class PagesApiTests(StackFixture stack)
{
    [Theory]
    [InlineData("/", "text/html", "<script src=\"/home.js\"></script>")]
    [InlineData("/reports", "text/html", "<script src=\"/reports.js\"></script>")]
    [InlineData("/reports?plant=demo&line=line-1", "text/html", "<link rel=\"stylesheet\" href=\"/reports.css\">")]
    [InlineData("/reports.js", "text/javascript", "/api/reports")]
    [InlineData("/reports.css", "text/css", "@media")]
    [InlineData("/home.js", "text/javascript", "/readyz")]
    [InlineData("/session.js", "text/javascript", "/api/auth/me")]
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

        foreach (var path in new[] { "/", "/reports", "/reports.js", "/home.js", "/reports.css", "/session.js", "/login.html", "/login.js", "/login.css" })
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
    public async Task ApiReference_SendsToDocs_WhichIs200_AndItsScriptIsServedHere()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var redirect = await client.GetAsync(new Uri("/api/reference", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/docs", redirect.Headers.Location?.OriginalString);

        var page = await client.GetAsync(new Uri("/docs/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"scalar.js\"></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);

        var script = await client.GetAsync(new Uri("/docs/scalar.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000, "Scalar's bundle, served from the package");
    }

    [Theory]
    [InlineData("/", "%2F")]
    [InlineData("/reports", "%2Freports")]
    [InlineData("/reports?plant=demo&line=line-1", "%2Freports%3Fplant%3Ddemo%26line%3Dline-1")]
    [InlineData("/docs/", "%2Fdocs%2F")]
    public async Task Page_FromABrowserWithoutSession_RedirectsToTheLoginPage_WithTheWayBack(string path, string returnUrl)
    {
        await using var api = new ApiFactory(stack);
        using var browser = Browser(api);

        var resp = await browser.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, resp.StatusCode);
        Assert.Equal("/login.html?returnUrl=" + returnUrl, resp.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/reports")]
    [InlineData("/api/reports")]
    public async Task Page_FromAScriptWithoutCredentials_Is401Problem_NotARedirect(string path)
    {
        await using var api = new ApiFactory(stack);
        using var client = api.CreateAnonymousClient();

        var resp = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, resp.StatusCode);
        Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/login.html", "text/html", "<script src=\"/login.js\"></script>")]
    [InlineData("/login.js", "text/javascript", "/api/auth/login")]
    [InlineData("/login.css", "text/css", ".board-key")]
    [InlineData("/session.js", "text/javascript", "/api/auth/logout")]
    public async Task LoginPageFile_IsServedToAnyone_WithNoCacheAndTheCsp(string path, string contentType, string content)
    {
        await using var api = new ApiFactory(stack);
        using var browser = Browser(api);

        var resp = await browser.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(contentType, resp.Content.Headers.ContentType?.MediaType);
        Assert.True(resp.Headers.CacheControl?.NoCache, $"Cache-Control of {path}: {resp.Headers.CacheControl}");
        Assert.Contains("script-src 'self';", string.Join(' ', resp.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Contains(content, await resp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The CSP allows only scripts from files of this server: an inline script or an on...= handler would simply not
    /// run. A token in web storage would be readable by any script that ever got into the page: the session is an
    /// HttpOnly cookie instead. Markup goes into the pages as elements and text, never through innerHTML.
    /// </summary>
    [Theory]
    [InlineData("index.html")]
    [InlineData("reports.html")]
    [InlineData("andon.html")]
    [InlineData("login.html")]
    [InlineData("home.js")]
    [InlineData("reports.js")]
    [InlineData("andon.js")]
    [InlineData("login.js")]
    [InlineData("session.js")]
    public void PageFile_HasNoInlineScript_NoHandlerAttribute_NoWebStorage_NoInnerHtml(string file)
    {
        // The code, not its comments (which may well say "never innerHTML").
        var source = File.ReadAllText(Path.Combine(Repo.Root, "api", "Ms5.Api", "wwwroot", file));
        var text = Regex.Replace(Regex.Replace(source, @"/\*[\s\S]*?\*/|<!--[\s\S]*?-->", ""), @"(^|\s)//.*$", "", RegexOptions.Multiline);

        Assert.DoesNotMatch(new Regex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase), text);
        Assert.DoesNotMatch(new Regex(@"<[a-z][^>]*\son[a-z]+\s*=", RegexOptions.IgnoreCase), text);
        Assert.DoesNotContain("localStorage", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sessionStorage", text, StringComparison.Ordinal);
        Assert.DoesNotContain("innerHTML", text, StringComparison.Ordinal);
        Assert.DoesNotContain("insertAdjacentHTML", text, StringComparison.Ordinal);
        Assert.DoesNotContain("document.write", text, StringComparison.Ordinal);
    }

    /// <summary>A browser without a session: no credential, does not follow redirects, asks for HTML.</summary>
    private static HttpClient Browser(ApiFactory api)
    {
        var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = null;
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return client;
    }

    [Theory]
    [InlineData("index.html")]
    [InlineData("home.js")]
    [InlineData("reports.html")]
    [InlineData("reports.js")]
    [InlineData("reports.css")]
    [InlineData("session.js")]
    [InlineData("login.html")]
    [InlineData("login.js")]
    [InlineData("login.css")]
    public void PageFile_IsInTheBuildOutput(string file)
    {
        var dir = Path.GetDirectoryName(Repo.Dll("api/Ms5.Api", "Ms5.Api"))!;

        Assert.True(File.Exists(Path.Combine(dir, "wwwroot", file)), $"{file} missing in {dir}/wwwroot");
    }
}
