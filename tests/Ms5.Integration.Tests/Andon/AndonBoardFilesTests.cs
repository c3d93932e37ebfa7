using System.Net;
using System.Net.Http.Headers;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Andon;

/// <summary>
/// The board is static files in the API's wwwroot: GET /andon answers the page, which loads /andon.js and
/// /andon.css; every one is revalidated on each load (a TV keeps the page for days) and ships in the build output.
/// </summary>
[Collection("stack")]
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
    [InlineData("andon.html")]
    [InlineData("andon.js")]
    [InlineData("andon.css")]
    public void BoardFile_IsInTheBuildOutput_SoTheDllServesItFromAnyWorkingDirectory(string file)
    {
        var dir = Path.GetDirectoryName(Repo.Dll("api/Ms5.Api", "Ms5.Api"))!;

        Assert.True(File.Exists(Path.Combine(dir, "wwwroot", file)), $"{file} missing in {dir}/wwwroot");
    }
}
