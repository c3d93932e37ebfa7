using System.Net;
using System.Text;
using System.Text.Json;
using Ms5.Analytics.Plant;
using Ms5.Integration.Tests.Support;
using Ms5.Postgres;

namespace Ms5.Integration.Tests.Api;

[Collection("stack-api")]
public sealed class CalendarApiTests(StackFixture stack)
{
    private const string PlantJson = """
        { "plantId": "cal-test", "timeZone": "Europe/Berlin",
          "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
          "shifts": [ { "name": "early", "days": ["Mon","Tue","Wed","Thu","Fri"], "start": "06:00", "end": "14:00" } ],
          "lines": [ { "id": "cal-line", "machines": [ { "id": "cal-m1", "idealCycleSeconds": 1.0 } ] } ] }
        """;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task PutCalendar_ReplacesShiftsAndHolidays_AndTheShiftsApiFollows()
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();

        var before = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/plant/calendar?plant=cal-test", UriKind.Relative))).RootElement;
        Assert.Equal("Europe/Berlin", before.GetProperty("timeZone").GetString());
        Assert.Equal("early", before.GetProperty("shifts")[0].GetProperty("name").GetString());

        var put = await client.PutAsync(new Uri("/api/plant/calendar?plant=cal-test", UriKind.Relative), Json("""
            { "shifts": [ { "name": "long", "days": ["Sat"], "start": "07:00", "end": "19:00" } ], "holidays": ["2026-11-21"],
              "plannedMaintenance": [ { "start": "2026-11-28T10:00:00Z", "end": "2026-11-28T11:00:00Z" } ] }
            """));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(1, await stack.ScalarAsync("SELECT count(*) FROM shift_patterns WHERE plant_id = 'cal-test' AND name = 'long'"));
        Assert.Equal(0, await stack.ScalarAsync("SELECT count(*) FROM shift_patterns WHERE plant_id = 'cal-test' AND name = 'early'"));

        var shifts = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/shifts?plant=cal-test&from=2026-11-16T00:00:00Z&to=2026-11-30T00:00:00Z", UriKind.Relative))).RootElement;
        var only = Assert.Single(shifts.EnumerateArray());
        Assert.Equal("2026-11-28", only.GetProperty("day").GetString());
        Assert.Equal(12, only.GetProperty("hours").GetDouble());
    }

    [Theory]
    [InlineData("""{ "shifts": [ { "name": "x", "days": ["Mon"], "start": "25:00", "end": "14:00" } ] }""", "$.shifts[0].start")]
    [InlineData("""{ "timeZone": "Mars/Olympus" }""", "$.timeZone")]
    [InlineData("""{ "lines": [] }""", "$")]
    [InlineData("""[1, 2]""", "$")]
    public async Task PutCalendar_WithBadCalendar_Is400NamingThePath(string body, string key)
    {
        await new PlantStore(stack.Db).SaveAsync(PlantConfigParser.Parse(PlantJson), PlantJson);
        await using var api = new ApiFactory(stack);
        var resp = await api.CreateClient().PutAsync(new Uri("/api/plant/calendar?plant=cal-test", UriKind.Relative), Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        var errors = JsonDocument.Parse(await resp.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(key, out _), errors.ToString());
    }

    [Fact]
    public async Task Calendar_ForUnknownPlant_Is404_AndWrongContentTypeIs415()
    {
        await using var api = new ApiFactory(stack);
        var client = api.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/api/plant/calendar?plant=nope", UriKind.Relative))).StatusCode);
        var put = await client.PutAsync(new Uri("/api/plant/calendar?plant=cal-test", UriKind.Relative), new StringContent("{}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, put.StatusCode);
    }
}
