using Ms5.Uat;

namespace Ms5.Stream.Tests;

/// <summary>The UAT suite's outputs, byte for byte: JUnit XML (one testsuite per area) and the Markdown summary.</summary>
public sealed class UatResultWritersTests
{
    private static readonly UatReport Report = new(
        "http://127.0.0.1:8080/", "ab12cd34", new DateTimeOffset(2026, 12, 1, 0, 5, 0, TimeSpan.Zero), TimeSpan.FromSeconds(42.5),
        [
            new CaseResult("auth", "login with a UAT user", true, TimeSpan.FromMilliseconds(120), null),
            new CaseResult("auth", "viewer is 403 <admin> & \"planning\"", false, TimeSpan.FromMilliseconds(35), "GET /api/users: expected 403, got 200\nsecond line"),
            new CaseResult("performance", "GET /api/machines", true, TimeSpan.FromSeconds(5), null),
        ],
        [new PerfFigure("/api/machines", 8, 1800, 0, 6.5, 33.25, 51.9, 357.04)]);

    [Fact]
    public void JUnit_OneSuitePerArea_FailuresWithMessageAndDetail_Escaped()
    {
        Assert.Equal("""
            <?xml version="1.0" encoding="utf-8"?>
            <testsuites name="MS5 UAT" tests="3" failures="1" time="42.500">
              <testsuite name="auth" tests="2" failures="1" errors="0" time="0.155" timestamp="2026-12-01T00:05:00">
                <testcase classname="uat.auth" name="login with a UAT user" time="0.120" />
                <testcase classname="uat.auth" name="viewer is 403 &lt;admin&gt; &amp; &quot;planning&quot;" time="0.035">
                  <failure message="GET /api/users: expected 403, got 200">GET /api/users: expected 403, got 200
            second line</failure>
                </testcase>
              </testsuite>
              <testsuite name="performance" tests="1" failures="0" errors="0" time="5.000" timestamp="2026-12-01T00:05:00">
                <testcase classname="uat.performance" name="GET /api/machines" time="5.000" />
              </testsuite>
            </testsuites>

            """.ReplaceLineEndings("\n"), ResultWriters.JUnit(Report));
    }

    [Fact]
    public void Markdown_VerdictAreasPerformanceAndFailures()
    {
        Assert.Equal("""
            # MS5 UAT — FAILED

            - Target: http://127.0.0.1:8080/
            - Run: ab12cd34, started 2026-12-01 00:05:00 UTC, took 42.5 s
            - Cases: 2 passed, 1 failed

            | Area | Passed | Failed | Time (s) |
            |---|---:|---:|---:|
            | auth | 1 | 1 | 0.16 |
            | performance | 1 | 0 | 5.00 |

            ## Performance

            | Endpoint | Workers | Requests | Errors | p50 (ms) | p95 (ms) | p99 (ms) | Requests/s |
            |---|---:|---:|---:|---:|---:|---:|---:|
            | `/api/machines` | 8 | 1800 | 0 | 6.5 | 33.3 | 51.9 | 357.0 |

            ## auth

            - ✅ login with a UAT user (0.12 s)
            - ❌ viewer is 403 <admin> & "planning" (0.04 s): GET /api/users: expected 403, got 200

            ## performance

            - ✅ GET /api/machines (5.00 s)

            """.ReplaceLineEndings("\n"), ResultWriters.Markdown(Report));
    }

    [Theory]
    [InlineData(50, 5)]
    [InlineData(95, 10)]
    [InlineData(99, 10)]
    [InlineData(10, 1)]
    public void Percentile_NearestRank(double p, double expected) =>
        Assert.Equal(expected, Performance.Percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p));
}
