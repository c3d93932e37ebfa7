using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Andon;

/// <summary>
/// The board is static files in the API's wwwroot: GET /andon answers the page, which loads /andon.js and
/// /andon.css; every one is revalidated on each load (a TV keeps the page for days) and ships in the build output.
/// The page needs the board policy: a TV opens /andon?key=BOARD_KEY once and gets a board session cookie and a
/// redirect to the address without the key; a browser without either is sent to the login page. The script and the
/// style are served to anyone (they hold no plant data).
/// </summary>
[Collection(StackCollections.Andon)]
public sealed class AndonBoardFilesTests(StackFixture stack)
{
    [Theory]
    [InlineData("/andon", "text/html")]
    [InlineData("/andon?line=board-a&line=board-b", "text/html")]
    [InlineData("/andon.js", "text/javascript")]
    [InlineData("/andon.css", "text/css")]
    public async Task BoardFile_Get_Is200WithItsContentTypeAndNoCache(string path, string contentType)
    {
        await using var api = new ApiFactory(stack);

        var resp = await api.CreateClient().GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(contentType, resp.Content.Headers.ContentType?.MediaType);
        Assert.True(resp.Headers.CacheControl?.NoCache, $"Cache-Control of {path}: {resp.Headers.CacheControl}");
        Assert.NotNull(resp.Content.Headers.LastModified);
    }

    [Fact]
    public async Task BoardPage_LoadsItsScriptAndStyle_FromTheSameOrigin()
    {
        await using var api = new ApiFactory(stack);

        var html = await api.CreateClient().GetStringAsync(new Uri("/andon", UriKind.Relative));

        Assert.Contains("<script src=\"/andon.js\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/andon.css\">", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/andon")]
    [InlineData("/andon.js")]
    public async Task BoardFile_GetAgainUnchanged_Is304(string path)
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        var first = await client.GetAsync(new Uri(path, UriKind.Relative));

        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        again.Headers.IfModifiedSince = first.Content.Headers.LastModified;
        if (first.Headers.ETag is { } etag)
        {
            again.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag.Tag));
        }

        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
    }

    [Theory]
    [InlineData("/andon.js", "text/javascript")]
    [InlineData("/andon.css", "text/css")]
    public async Task BoardScriptAndStyle_AreServedWithoutCredentials(string path, string contentType)
    {
        await using var api = new ApiFactory(stack);
        using var browser = Browser(api);

        var resp = await browser.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        Assert.Equal(contentType, resp.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task BoardPage_WithoutKeyOrSession_RedirectsToTheLoginPage()
    {
        await using var api = new ApiFactory(stack);
        using var browser = Browser(api);

        var resp = await browser.GetAsync(new Uri("/andon?line=board-a", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, resp.StatusCode);
        Assert.Equal("/login.html?returnUrl=%2Fandon%3Fline%3Dboard-a", resp.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task BoardPage_WithAnUnknownKey_RedirectsToTheLoginPage_WithoutTheKeyInTheAddress()
    {
        await using var api = new ApiFactory(stack);
        using var browser = Browser(api);
        var wrong = "ms5k_" + new string('A', 43);

        var resp = await browser.GetAsync(new Uri($"/andon?line=board-a&key={wrong}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, resp.StatusCode);
        Assert.Equal("/login.html?returnUrl=%2Fandon%3Fline%3Dboard-a", resp.Headers.Location?.OriginalString);
        Assert.False(resp.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task BoardPage_WithABoardKey_SetsAnHttpOnlyStrictBoardCookie_AndRedirectsWithoutTheKey_TheCookieThenOpensTheBoardOnly()
    {
        await using var api = new ApiFactory(stack);
        using var admin = api.CreateClient();
        var (_, key) = await TestAccess.CreateKeyAsync(admin, "files-tv", "board");
        using var browser = Browser(api);

        var first = await browser.GetAsync(new Uri($"/andon?line=board-a&line=board-b&key={key}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/andon?line=board-a&line=board-b", first.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("ms5_session=ms5s_", setCookie, StringComparison.Ordinal);
        Assert.DoesNotContain(key, setCookie, StringComparison.Ordinal);
        foreach (var attribute in new[] { "httponly", "samesite=strict", "path=/" })
        {
            Assert.Contains(attribute, setCookie.ToLowerInvariant(), StringComparison.Ordinal);
        }

        var cookie = setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
        async Task<HttpStatusCode> WithCookieAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Add("Cookie", cookie);
            return (await browser.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await WithCookieAsync("/andon?line=board-a&line=board-b"));
        Assert.Equal(HttpStatusCode.OK, await WithCookieAsync("/api/board"));
        // A board session stands for the board only, whatever else its key might do.
        Assert.Equal(HttpStatusCode.Forbidden, await WithCookieAsync("/api/machines"));
    }

    /// <summary>A browser: no credential, no redirects followed, no cookie jar, asks for HTML.</summary>
    private static HttpClient Browser(ApiFactory api)
    {
        var client = api.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Authorization = null;
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return client;
    }

    [Theory]
    [InlineData("andon.html")]
    [InlineData("andon.js")]
    [InlineData("andon.css")]
    public void BoardFile_IsInTheBuildOutput_SoTheDllServesItFromAnyWorkingDirectory(string file)
    {
        var dir = Path.GetDirectoryName(Repo.Dll("api/Ms5.Api", "Ms5.Api"))!;

        Assert.True(File.Exists(Path.Combine(dir, "wwwroot", file)), $"{file} missing in {dir}/wwwroot");
    }
}
