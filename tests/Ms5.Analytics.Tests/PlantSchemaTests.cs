using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Tests;

/// <summary>
/// analytics/contract/plant.v1.schema.json against <see cref="PlantConfigParser"/>: every plant the repository and its
/// tests use validates, the parser's leniencies are allowed, and wrong shapes fail both at the same place.
/// </summary>
public sealed partial class PlantSchemaTests
{
    // Plant files may hold comments and trailing commas (infra/plants/README.md); the schema judges the JSON without them.
    private static readonly JsonDocumentOptions PlantFile = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    [GeneratedRegex("\"\"\"(.*?)\"\"\"", RegexOptions.Singleline)]
    private static partial Regex RawString();

    private static IReadOnlyList<string> Errors(string json)
    {
        using var doc = JsonDocument.Parse(json, PlantFile);
        return ContractSchemas.Errors(Some.RepoRoot, "plant.v1", doc.RootElement);
    }

    private static bool ParserAccepts(string json) => PlantConfigParser.TryParse(json, []) is not null;

    public static TheoryData<string> PlantFiles() =>
        [.. Directory.GetFiles(Path.Combine(Some.RepoRoot, "infra", "plants"), "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(PlantFiles))]
    public void PlantFile_InInfraPlants_Validates(string file)
    {
        var json = File.ReadAllText(Path.Combine(Some.RepoRoot, "infra", "plants", file));

        Assert.True(ParserAccepts(json));
        Assert.Empty(Errors(json));
    }

    /// <summary>Every plant written in a test (unit and integration, as raw string literals) that the parser accepts validates.</summary>
    [Fact]
    public void PlantFixtures_InTestSources_ThatTheParserAccepts_Validate()
    {
        var fixtures = Directory.GetFiles(Path.Combine(Some.RepoRoot, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => RawString().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Json: m.Groups[1].Value)))
            .Where(x => x.Json.Contains("\"plantId\"", StringComparison.Ordinal) && ParserAccepts(x.Json))
            .Append((File: "Some.PlantJson", Json: Some.PlantJson()))
            .ToList();

        var invalid = fixtures.Select(x => (x.File, Errors: Errors(x.Json))).Where(x => x.Errors.Count > 0).ToList();

        Assert.True(fixtures.Count >= 15, $"only {fixtures.Count} plant fixtures found: the scan is broken");
        Assert.Contains(fixtures, x => x.File == "AndonAlertmanagerTests.cs");
        Assert.Empty(invalid.Select(x => $"{x.File}: {string.Join("; ", x.Errors)}"));
    }

    /// <summary>What the parser lets through, the schema does too: nulls for absent, any-case or full weekday names, unknown fields.</summary>
    [Theory]
    [InlineData("name", "null")]
    [InlineData("future", "{\"anything\": [1, 2]}")]
    [InlineData("shifts", "null")]
    [InlineData("shifts", "[{\"name\": \"early\", \"days\": [\"Monday\", \"tue\", \"SUN\"], \"start\": \"06:00\", \"end\": \"14:00\", \"breaks\": null}]")]
    [InlineData("holidays", "[\"2026-12-25\"]")]
    [InlineData("plannedMaintenance", "[{\"start\": \"2026-12-01T06:00:00Z\", \"end\": \"2026-12-01T10:00:00+01:00\", \"note\": null}]")]
    [InlineData("oee", "{\"microStopSeconds\": null, \"setupCountsAgainstAvailability\": false}")]
    [InlineData("andon", "{\"escalationMinutes\": null, \"rules\": [{\"id\": \"r\", \"kind\": \"low_oee\", \"below\": 0.4, \"above\": \"ignored for low_oee\"}]}")]
    [InlineData("andon", "{\"escalationMinutes\": [0.5, 10], \"rules\": [{\"id\": \"d\", \"kind\": \"stop\", \"seconds\": 0, \"states\": [\"offline\"], \"severity\": null}]}")]
    [InlineData("andon", "{\"rules\": [{\"id\": \"a\", \"kind\": \"anomalous_stop\"}, {\"id\": \"b\", \"kind\": \"anomalous_stop\", \"minScore\": 0.9, \"machines\": null}]}")]
    [InlineData("reports", "null")]
    [InlineData("reports", "{\"email\": null, \"recipients\": null}")]
    [InlineData("reports", "{\"email\": true, \"recipients\": [\"plant.manager@example.com\", \"o'brien+ms5@plant.example.co.uk\"]}")]
    public void Plant_WhatTheParserAccepts_Validates(string property, string value)
    {
        var json = Some.PlantJson(p => p[property] = JsonNode.Parse(value));

        Assert.True(ParserAccepts(json));
        Assert.Empty(Errors(json));
    }

    [Fact]
    public void Line_WhatTheParserAccepts_Validates()
    {
        var json = Some.PlantJson(p =>
        {
            p["reports"] = JsonNode.Parse("{\"email\": true}");
            p["lines"]![0]!["reportRecipients"] = new JsonArray("line1.lead@example.com");
        });

        Assert.True(ParserAccepts(json));
        Assert.Empty(Errors(json));
    }

    [Fact]
    public void Machine_WhatTheParserAccepts_Validates()
    {
        var json = Some.PlantJson(p =>
        {
            var m = Some.FirstMachine(p);
            m["countMode"] = null;
            m["products"] = new JsonObject { ["P-100 (blue)"] = 1.8 };
            m["simulation"] = "not an object: ignored";
            m["reasonCodes"] = new JsonArray("jam");
        });

        Assert.True(ParserAccepts(json));
        Assert.Empty(Errors(json));
    }

    /// <summary>Wrong shapes: the parser refuses them, and the schema fails at the same JSON location.</summary>
    [Theory]
    [InlineData("", "plantId", null, "")]
    [InlineData("", "plantId", "\"-starts-with-dash\"", "/plantId")]
    [InlineData("", "timeZone", "\"  \"", "/timeZone")]
    [InlineData("", "reasonCodes", "[]", "/reasonCodes")]
    [InlineData("", "reasonCodes", "[{\"code\": \"jam\", \"category\": \"broken\"}]", "/reasonCodes/0/category")]
    [InlineData("", "shifts", "[{\"name\": \"s\", \"days\": [\"Funday\"], \"start\": \"06:00\", \"end\": \"14:00\"}]", "/shifts/0/days/0")]
    [InlineData("", "shifts", "[{\"name\": \"s\", \"days\": [\"Mon\"], \"start\": \"6:00\", \"end\": \"14:00\"}]", "/shifts/0/start")]
    [InlineData("", "holidays", "[\"25.12.2026\"]", "/holidays/0")]
    [InlineData("", "oee", "{\"setupCountsAgainstAvailability\": \"yes\"}", "/oee/setupCountsAgainstAvailability")]
    [InlineData("", "andon", "{\"escalationMinutes\": [1, 2, 3]}", "/andon/escalationMinutes")]
    [InlineData("", "andon", "{\"rules\": [{\"id\": \"d\", \"kind\": \"stop\"}]}", "/andon/rules/0")]
    [InlineData("", "andon", "{\"rules\": [{\"id\": \"o\", \"kind\": \"low_oee\", \"below\": 1.5}]}", "/andon/rules/0/below")]
    [InlineData("", "andon", "{\"rules\": [{\"id\": \"s\", \"kind\": \"reject_rate\"}]}", "/andon/rules/0")]
    [InlineData("", "andon", "{\"rules\": [{\"id\": \"a\", \"kind\": \"anomalous_stop\", \"minScore\": 0.3}]}", "/andon/rules/0/minScore")]
    [InlineData("", "reports", "[]", "/reports")]
    [InlineData("", "reports", "{\"email\": \"yes\"}", "/reports/email")]
    [InlineData("", "reports", "{\"recipients\": \"pm@example.com\"}", "/reports/recipients")]
    [InlineData("", "reports", "{\"recipients\": [\"bob@\"]}", "/reports/recipients/0")]
    [InlineData("", "reports", "{\"recipients\": [42]}", "/reports/recipients/0")]
    [InlineData("line", "reportRecipients", "[\"lead@example.com\", \"Bob <bob@example.com>\"]", "/lines/0/reportRecipients/1")]
    [InlineData("line", "reportRecipients", "\"lead@example.com\"", "/lines/0/reportRecipients")]
    [InlineData("machine", "idealCycleSeconds", null, "/lines/0/machines/0")]
    [InlineData("machine", "idealCycleSeconds", "0", "/lines/0/machines/0/idealCycleSeconds")]
    [InlineData("machine", "countMode", "\"sometimes\"", "/lines/0/machines/0/countMode")]
    [InlineData("machine", "products", "{\"P-1\": \"fast\"}", "/lines/0/machines/0/products/P-1")]
    public void Plant_WrongShape_FailsParserAndSchema_AtTheSameLocation(string on, string property, string? value, string location)
    {
        var json = Some.PlantJson(p =>
        {
            var target = on switch
            {
                "machine" => Some.FirstMachine(p),
                "line" => p["lines"]![0]!.AsObject(),
                _ => p,
            };
            if (value is null)
            {
                target.Remove(property);
            }
            else
            {
                target[property] = JsonNode.Parse(value);
            }
        });

        var errors = Errors(json);

        Assert.False(ParserAccepts(json));
        Assert.Contains(errors, e => e.StartsWith(location + ":", StringComparison.Ordinal));
    }
}
