using System.Net;
using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Api;

[Collection("stack-api")]
public sealed class ShiftsApiTests(StackFixture stack)
{
    [Fact]
    public async Task Shifts_ListsTheDemoPlantsShiftsOfADay_WithLocalAndUtcBounds()
    {
        await using var api = new ApiFactory(stack);
        var body = JsonDocument.Parse(await api.CreateClient().GetStringAsync(new Uri("/api/shifts?plant=demo&from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z", UriKind.Relative))).RootElement;
        var shifts = body.EnumerateArray().ToList();
        Assert.Equal(["night", "early", "late", "night"], shifts.Select(s => s.GetProperty("name").GetString()!).ToArray());
        Assert.Equal("2026-11-25", shifts[0].GetProperty("day").GetString());
        Assert.Equal("2026-11-25T22:00:00+01:00", shifts[0].GetProperty("startLocal").GetString());
        Assert.Equal("2026-11-26T05:00:00+00:00", shifts[1].GetProperty("start").GetString());
        Assert.Equal(8, shifts[1].GetProperty("hours").GetDouble());
    }

    [Theory]
    [InlineData("to=2026-11-27T00:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("from=2026-11-27T00:00:00Z&to=2026-11-26T00:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z&plant=nope", HttpStatusCode.NotFound)]
    public async Task Shifts_WithBadQuery_IsProblem(string query, HttpStatusCode status)
    {
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().GetAsync(new Uri("/api/shifts?" + query, UriKind.Relative));
        Assert.Equal(status, resp.StatusCode);
        Assert.Equal("application/problem+json", resp.Content.Headers.ContentType?.MediaType);
    }
}
