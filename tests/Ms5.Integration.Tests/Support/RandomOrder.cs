using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCaseOrderer("Ms5.Integration.Tests.Support.RandomOrder", "Ms5.Integration.Tests")]

namespace Ms5.Integration.Tests.Support;

/// <summary>
/// Test cases (and so their classes) run in a random order, so no test can depend on another having run first.
/// The seed is printed; set MS5_TEST_SEED to replay an order.
/// </summary>
public sealed class RandomOrder : ITestCaseOrderer
{
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("MS5_TEST_SEED"), out var s) ? s : Random.Shared.Next();

    static RandomOrder() => Console.Error.WriteLine($"[ms5 test] Ms5.Integration.Tests in random order, MS5_TEST_SEED={Seed}");

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase
    {
        var random = new Random(Seed);
        return testCases.OrderBy(t => t.UniqueID, StringComparer.Ordinal).Select(t => (Key: random.Next(), Case: t)).OrderBy(t => t.Key).Select(t => t.Case).ToList();
    }
}
