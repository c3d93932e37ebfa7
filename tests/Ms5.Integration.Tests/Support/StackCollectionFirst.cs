using Xunit.Abstractions;

[assembly: TestCollectionOrderer("Ms5.Integration.Tests.Support.StackCollectionFirst", "Ms5.Integration.Tests")]

namespace Ms5.Integration.Tests.Support;

/// <summary>
/// The serial "stack" collection starts first; the classes with fixtures of their own follow, longest first, beside it.
/// xUnit runs as many collections at once as there are cores (two here). Started last, the "stack" collection (about
/// 18 minutes of tests one after another) waited almost 5 minutes for the others to finish. Started first, the others
/// run in the second lane while it runs.
/// </summary>
public sealed class StackCollectionFirst : ITestCollectionOrderer
{
    /// <summary>The classes of their own that take minutes (outages, minutes passing for Prometheus, backups, report hosts).</summary>
    private static readonly string[] Long = ["RecordingRuleOeeTests", "InfluxOutageTests", "PostgresOutageTests", "BackupRestoreTests", "ProxyTests", "ReportsHostTests", "NightlyTrainingTests"];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections)
    {
        var ordered = testCollections
            .OrderBy(c => c.DisplayName == "stack" ? 0 : Long.Any(l => c.DisplayName.EndsWith("." + l, StringComparison.Ordinal)) ? 1 : 2)
            .ThenBy(c => c.DisplayName, StringComparer.Ordinal)
            .ToList();
        Console.Error.WriteLine($"[ms5 test] {ordered.Count} test collections, first: {string.Join(", ", ordered.Take(3).Select(c => c.DisplayName))}");
        return ordered;
    }
}
