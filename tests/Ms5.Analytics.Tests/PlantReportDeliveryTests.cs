using System.Text.Json.Nodes;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

/// <summary>The plant file's <c>reports</c> section and the lines' <c>reportRecipients</c>: who gets reports by e-mail.</summary>
public class PlantReportDeliveryTests
{
    private static JsonObject FirstLine(JsonObject plant) => plant["lines"]![0]!.AsObject();

    [Fact]
    public void Parse_WithoutReportsSection_MailsNothing()
    {
        var plant = PlantConfigParser.Parse(Some.PlantJson());

        Assert.Same(ReportDelivery.None, plant.Reports);
        Assert.False(plant.Reports.Email);
        Assert.Empty(plant.Reports.Recipients);
        Assert.Empty(plant.Lines[0].ReportRecipients);
        Assert.Empty(plant.ReportRecipientsFor(null));
        Assert.Empty(plant.ReportRecipientsFor("l1"));
    }

    [Fact]
    public void Parse_DemoPlant_MailsNothing()
    {
        Assert.False(Some.DemoPlant.Reports.Email);
        Assert.All(Some.DemoPlant.Lines, l => Assert.Empty(l.ReportRecipients));
    }

    [Fact]
    public void Parse_ReportsAndLineRecipients_ReadsThemInOrder()
    {
        const string json = """
            {
              "plantId": "p1",
              "timeZone": "Europe/Berlin",
              "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "reports": { "email": true, "recipients": ["plant.manager@example.com", "quality+ms5@plant.example.co.uk"] },
              "lines": [
                { "id": "line-1", "name": "Stamping", "reportRecipients": ["line1.lead@example.com", "o'brien@example.com"],
                  "machines": [ { "id": "m1", "idealCycleSeconds": 2 } ] },
                { "id": "line-2", "machines": [ { "id": "m2", "idealCycleSeconds": 2 } ] }
              ]
            }
            """;

        var plant = PlantConfigParser.Parse(json);

        Assert.True(plant.Reports.Email);
        Assert.Equal(["plant.manager@example.com", "quality+ms5@plant.example.co.uk"], plant.Reports.Recipients);
        Assert.Equal(["line1.lead@example.com", "o'brien@example.com"], plant.Lines[0].ReportRecipients);
        Assert.Empty(plant.Lines[1].ReportRecipients);
        Assert.Equal(["plant.manager@example.com", "quality+ms5@plant.example.co.uk"], plant.ReportRecipientsFor(null));
        Assert.Equal(["line1.lead@example.com", "o'brien@example.com"], plant.ReportRecipientsFor("line-1"));
        Assert.Empty(plant.ReportRecipientsFor("line-2"));
        Assert.Empty(plant.ReportRecipientsFor("line-9"));
    }

    [Fact]
    public void Parse_WhenEmailIsOff_KeepsTheAddressesButNoOneGetsMail()
    {
        var plant = PlantConfigParser.Parse(Some.PlantJson(p =>
        {
            p["reports"] = JsonNode.Parse("""{ "email": false, "recipients": ["pm@example.com"] }""");
            FirstLine(p)["reportRecipients"] = new JsonArray("lead@example.com");
        }));

        Assert.False(plant.Reports.Email);
        Assert.Equal(["pm@example.com"], plant.Reports.Recipients);
        Assert.Equal(["lead@example.com"], plant.Lines[0].ReportRecipients);
        Assert.Empty(plant.ReportRecipientsFor(null));
        Assert.Empty(plant.ReportRecipientsFor("l1"));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{ \"email\": null, \"recipients\": null }")]
    [InlineData("{ \"recipients\": [\"pm@example.com\"] }")]
    [InlineData("null")]
    public void Parse_WhenEmailIsAbsentOrNull_DefaultsToOff(string reports)
    {
        var plant = PlantConfigParser.Parse(Some.PlantJson(p => p["reports"] = JsonNode.Parse(reports)));

        Assert.False(plant.Reports.Email);
    }

    [Fact]
    public void Parse_WhenEmailIsOnAndOnlyALineHasRecipients_AcceptsIt()
    {
        var plant = PlantConfigParser.Parse(Some.PlantJson(p =>
        {
            p["reports"] = JsonNode.Parse("""{ "email": true }""");
            FirstLine(p)["reportRecipients"] = new JsonArray("lead@example.com");
        }));

        Assert.True(plant.Reports.Email);
        Assert.Empty(plant.ReportRecipientsFor(null));
        Assert.Equal(["lead@example.com"], plant.ReportRecipientsFor("l1"));
    }

    [Theory]
    [InlineData("{ \"email\": true }")]
    [InlineData("{ \"email\": true, \"recipients\": [] }")]
    [InlineData("{ \"email\": true, \"recipients\": null }")]
    public void TryParse_WhenEmailIsOnWithoutAnyRecipient_ReportsIt(string reports)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p =>
        {
            p["reports"] = JsonNode.Parse(reports);
            FirstLine(p)["reportRecipients"] = new JsonArray();
        }));

        Assert.Equal(
            ["$.reports.email: is true but no one would get a report: list addresses in reports.recipients (plant reports) or a line's reportRecipients (its shift reports)"],
            problems);
    }

    [Fact]
    public void TryParse_BrokenReports_ReportsEveryProblemWithItsPath()
    {
        const string json = """
            {
              "plantId": "p1",
              "timeZone": "UTC",
              "reasonCodes": [ { "code": "jam", "category": "unplanned" } ],
              "reports": { "email": "yes", "recipients": [5, "bob@", "pm@example.com", "PM@Example.com", null] },
              "lines": [
                { "id": "l1", "reportRecipients": ["lead@example.com", "bob@"], "machines": [ { "id": "m1", "idealCycleSeconds": 2 } ] },
                { "id": "l2", "reportRecipients": "lead@example.com", "machines": [ { "id": "m2", "idealCycleSeconds": 2 } ] }
              ]
            }
            """;

        var problems = Some.PlantProblems(json);

        Assert.Equal(
            [
                "$.lines[0].reportRecipients[1]: 'bob@' is not an e-mail address",
                "$.lines[1].reportRecipients: must be an array",
                "$.reports.email: must be true or false",
                "$.reports.recipients[0]: must be a string, an e-mail address",
                "$.reports.recipients[1]: 'bob@' is not an e-mail address",
                "$.reports.recipients[3]: 'PM@Example.com' is listed twice",
                "$.reports.recipients[4]: must be a string, an e-mail address",
            ],
            problems);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"pm@example.com\"")]
    [InlineData("true")]
    public void TryParse_WhenReportsIsNotAnObject_ReportsIt(string reports)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p["reports"] = JsonNode.Parse(reports)));

        Assert.Equal(["$.reports: must be an object"], problems);
    }

    [Fact]
    public void TryParse_WhenALineListsAnAddressTwice_ReportsTheSecond()
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => FirstLine(p)["reportRecipients"] = new JsonArray("lead@example.com", "x@example.com", "Lead@Example.COM")));

        Assert.Equal(["$.lines[0].reportRecipients[2]: 'Lead@Example.COM' is listed twice"], problems);
    }

    [Theory]
    [InlineData("bob@")]
    [InlineData("@example.com")]
    [InlineData("bob")]
    [InlineData("")]
    [InlineData("bob@localhost")]
    [InlineData("Bob <bob@example.com>")]
    [InlineData("bob smith@example.com")]
    [InlineData("bob@example..com")]
    [InlineData(".bob@example.com")]
    [InlineData("bob.@example.com")]
    [InlineData("bob@-example.com")]
    [InlineData("bob@example.com.")]
    [InlineData("bob@@example.com")]
    [InlineData("bob@example.com\n")]
    [InlineData("bob@example.com, eve@example.com")]
    [InlineData("jürgen@example.com")]
    public void TryParse_WhenAddressIsNotPlainEmail_ReportsIt(string address)
    {
        var problems = Some.PlantProblems(Some.PlantJson(p => p["reports"] = new JsonObject { ["recipients"] = new JsonArray(address) }));

        Assert.Equal([$"$.reports.recipients[0]: '{address}' is not an e-mail address"], problems);
    }

    [Fact]
    public void TryParse_WhenAddressIsLongerThan254_ReportsIt()
    {
        var label = new string('d', 61);
        var longest = $"{new string('a', 64)}@{label}.{label}.{label}.com";
        var tooLong = "x" + longest;

        var plant = PlantConfigParser.Parse(Some.PlantJson(p => p["reports"] = new JsonObject { ["recipients"] = new JsonArray(longest) }));
        var problems = Some.PlantProblems(Some.PlantJson(p => p["reports"] = new JsonObject { ["recipients"] = new JsonArray(tooLong) }));

        Assert.Equal(254, longest.Length);
        Assert.Equal([longest], plant.Reports.Recipients);
        Assert.Equal([$"$.reports.recipients[0]: '{tooLong}' is not an e-mail address"], problems);
    }
}
