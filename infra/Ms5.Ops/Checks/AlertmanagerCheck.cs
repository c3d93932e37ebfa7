using YamlDotNet.RepresentationModel;

namespace Ms5.Ops.Checks;

/// <summary>
/// Check 8: Alertmanager answers /api/v2/status and runs the shipped configuration: the receivers of
/// infra/alertmanager/alertmanager.yml and the receivers its route tree sends to (depth first) are those of the
/// loaded config (config.original).
/// </summary>
internal static class AlertmanagerCheck
{
    public static Check Create(Uri? alertmanager, RepoFiles repo, Http http) => new("alertmanager", async ct =>
    {
        if (alertmanager is null)
        {
            return CheckOutcome.Skip("MS5_ALERTMANAGER_URL is not set");
        }

        if (repo.AlertmanagerConfig is not { } file || !File.Exists(file))
        {
            return CheckOutcome.Fail("the shipped config (infra/alertmanager/alertmanager.yml) is not found: pass --repo DIR");
        }

        using var status = await http.GetJsonAsync(new Uri(alertmanager, "/api/v2/status"), "alertmanager", ct);
        var running = status.RootElement.GetProperty("config").GetProperty("original").GetString() ?? "";
        return Compare(await File.ReadAllTextAsync(file, ct), running);
    });

    public static CheckOutcome Compare(string shippedYaml, string runningYaml)
    {
        var (shippedReceivers, shippedRoutes) = Shape(shippedYaml);
        var (runningReceivers, runningRoutes) = Shape(runningYaml);
        var problems = new List<string>();
        var missing = shippedReceivers.Except(runningReceivers, StringComparer.Ordinal).ToList();
        var extra = runningReceivers.Except(shippedReceivers, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"receivers missing: {string.Join(", ", missing)}");
        }

        if (extra.Count > 0)
        {
            problems.Add($"receivers not in the shipped config: {string.Join(", ", extra)}");
        }

        if (!shippedRoutes.SequenceEqual(runningRoutes, StringComparer.Ordinal))
        {
            problems.Add($"routes differ: shipped {string.Join(">", shippedRoutes)}, running {string.Join(">", runningRoutes)}");
        }

        return problems.Count == 0
            ? CheckOutcome.Pass($"shipped config loaded: {shippedReceivers.Count} receivers, {shippedRoutes.Count} routes")
            : CheckOutcome.Fail(string.Join("; ", problems));
    }

    /// <summary>Receiver names, and the receiver of every route in depth-first order (the root first).</summary>
    public static (IReadOnlyList<string> Receivers, IReadOnlyList<string> Routes) Shape(string yamlText)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(yamlText));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var receivers = root.Children.TryGetValue(new YamlScalarNode("receivers"), out var r)
            ? ((YamlSequenceNode)r).Children.OfType<YamlMappingNode>().Select(m => ((YamlScalarNode)m["name"]).Value!).ToList()
            : [];
        var routes = new List<string>();
        if (root.Children.TryGetValue(new YamlScalarNode("route"), out var route))
        {
            Walk((YamlMappingNode)route, routes);
        }

        return (receivers, routes);
    }

    private static void Walk(YamlMappingNode route, List<string> into)
    {
        into.Add(route.Children.TryGetValue(new YamlScalarNode("receiver"), out var r) ? ((YamlScalarNode)r).Value ?? "" : "(inherited)");
        if (route.Children.TryGetValue(new YamlScalarNode("routes"), out var children))
        {
            foreach (var child in ((YamlSequenceNode)children).Children.OfType<YamlMappingNode>())
            {
                Walk(child, into);
            }
        }
    }
}
