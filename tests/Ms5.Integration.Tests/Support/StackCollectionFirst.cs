using Xunit.Abstractions;

[assembly: TestCollectionOrderer("Ms5.Integration.Tests.Support.StackCollectionFirst", "Ms5.Integration.Tests")]

namespace Ms5.Integration.Tests.Support;

/// <summary>
/// The six serial stack collections (<see cref="StackCollections"/>: four to eleven minutes of tests each) start first;
/// the classes with fixtures of their own follow, longest first, then the rest by name. xUnit runs as many collections
/// at once as xunit.runner.json allows (maxParallelThreads 4). With three stack collections of 17 to 20 minutes each the
/// longest one set the suite's length (20 minutes on a fresh clone); shorter ones fill the four lanes more evenly. Six
/// lanes were tried: the two cores were then busy all the time, and tests that wait for a batch timed out.
/// </summary>
public sealed class StackCollectionFirst : ITestCollectionOrderer
{
    /// <summary>The classes of their own that take minutes (minutes passing for Prometheus, outages, backups, report hosts), longest first.</summary>
    private static readonly string[] Long = ["RecordingRuleOeeTests", "InfluxOutageTests", "PostgresOutageTests", "BackupRestoreTests", "NightlyTrainingTests", "ReportsHostTests", "ProxyTests"];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections)
    {
        int Rank(ITestCollection c)
        {
            if (StackCollections.Names.Contains(c.DisplayName, StringComparer.Ordinal))
            {
                return Array.IndexOf(StackCollections.Names, c.DisplayName);
            }

            var i = Array.FindIndex(Long, l => c.DisplayName.EndsWith("." + l, StringComparison.Ordinal));
            return i >= 0 ? StackCollections.Names.Length + i : int.MaxValue;
        }

        var ordered = testCollections.OrderBy(Rank).ThenBy(c => c.DisplayName, StringComparer.Ordinal).ToList();
        Console.Error.WriteLine($"[ms5 test] {ordered.Count} test collections, first: {string.Join(", ", ordered.Take(4).Select(c => c.DisplayName))}");
        return ordered;
    }
}
