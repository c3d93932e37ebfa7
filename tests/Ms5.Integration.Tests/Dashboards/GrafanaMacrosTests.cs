namespace Ms5.Integration.Tests.Dashboards;

/// <summary>The test's Grafana expander against Grafana's documented expansions (no stack needed).</summary>
public sealed class GrafanaMacrosTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 2, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    private static GrafanaContext Ctx(TimeSpan? interval = null, params TemplateVariable[] vars) =>
        new(From, To, interval ?? TimeSpan.FromMinutes(1), vars.ToDictionary(v => v.Name));

    [Fact]
    public void PostgresTimeMacros()
    {
        var ctx = Ctx();
        Assert.Equal("SELECT minute AS \"time\" FROM t WHERE minute BETWEEN '2026-11-02T06:00:00Z' AND '2026-11-02T10:00:00Z'",
            GrafanaMacros.Expand("SELECT $__time(minute) FROM t WHERE $__timeFilter(minute)", ctx, DatasourceKind.Postgres));
        Assert.Equal("'2026-11-02T06:00:00Z' '2026-11-02T10:00:00Z'", GrafanaMacros.Expand("$__timeFrom() $__timeTo()", ctx, DatasourceKind.Postgres));
        Assert.Equal("floor(extract(epoch from minute)/300)*300", GrafanaMacros.Expand("$__timeGroup(minute, '5m')", ctx, DatasourceKind.Postgres));
        Assert.Equal("floor(extract(epoch from minute)/300)*300", GrafanaMacros.Expand("$__timeGroup(minute,5m, 0)", ctx, DatasourceKind.Postgres));
        Assert.Equal("floor(extract(epoch from minute)/60)*60 AS \"time\"", GrafanaMacros.Expand("$__timeGroupAlias(minute, $__interval)", ctx, DatasourceKind.Postgres));
        Assert.Equal("floor(extract(epoch from date_trunc('hour', ts))/3600)*3600 AS \"time\"",
            GrafanaMacros.Expand("$__timeGroupAlias(date_trunc('hour', ts), '1h')", ctx, DatasourceKind.Postgres));
        Assert.Equal("e >= 1793599200 AND e <= 1793613600", GrafanaMacros.Expand("$__unixEpochFilter(e)", ctx, DatasourceKind.Postgres));
        Assert.Equal("floor(e/600)*600 AS \"time\"", GrafanaMacros.Expand("$__unixEpochGroupAlias(e, '10m')", ctx, DatasourceKind.Postgres));
        Assert.Equal("1793599200 1793613600", GrafanaMacros.Expand("$__unixEpochFrom() $__unixEpochTo()", ctx, DatasourceKind.Postgres));
        Assert.Equal("extract(epoch from ts) as \"time\"", GrafanaMacros.Expand("$__timeEpoch(ts)", ctx, DatasourceKind.Postgres));
        Assert.Equal("1m 60000 1793599200000 14400000", GrafanaMacros.Expand("$__interval $__interval_ms ${__from} $__range_ms", ctx, DatasourceKind.Postgres));
        Assert.Throws<FormatException>(() => GrafanaMacros.Expand("$__nope(x)", ctx, DatasourceKind.Postgres));
    }

    [Fact]
    public void InfluxTimeFilterAndInterval()
    {
        var ctx = Ctx(TimeSpan.FromSeconds(15));
        Assert.Equal("SELECT mean(v) FROM m WHERE time >= 1793599200000ms and time <= 1793613600000ms GROUP BY time(15s)",
            GrafanaMacros.Expand("SELECT mean(v) FROM m WHERE $timeFilter GROUP BY time($__interval)", ctx, DatasourceKind.Influx));
    }

    [Fact]
    public void PrometheusRangeAndRateInterval()
    {
        var ctx = Ctx(TimeSpan.FromSeconds(15)) with { ScrapeInterval = TimeSpan.FromSeconds(5) };
        Assert.Equal("rate(x[20s]) increase(x[14400s]) 14400", GrafanaMacros.Expand("rate(x[$__rate_interval]) increase(x[$__range]) $__range_s", ctx, DatasourceKind.Prometheus));
        var slow = Ctx(TimeSpan.FromMinutes(1)) with { ScrapeInterval = TimeSpan.FromSeconds(5) };
        Assert.Equal("rate(x[1m])", GrafanaMacros.Expand("rate(x[$__rate_interval])", slow, DatasourceKind.Prometheus)); // 65 s, shown as Grafana shows it
        Assert.Equal(TimeSpan.FromSeconds(65), GrafanaMacros.RateInterval(slow));
    }

    [Fact]
    public void IntervalIsTheRangeOverTheResolutionRounded_AtLeastTheMinimum()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), GrafanaMacros.CalculateInterval(From, To, 1000, null));
        Assert.Equal(TimeSpan.FromMinutes(1), GrafanaMacros.CalculateInterval(From, To, 1000, TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.FromMinutes(5), GrafanaMacros.CalculateInterval(From, To, 60, null));
        Assert.Equal("500ms", GrafanaMacros.FormatInterval(TimeSpan.FromMilliseconds(500)));
        Assert.Equal("2h", GrafanaMacros.FormatInterval(TimeSpan.FromHours(2)));
    }

    [Fact]
    public void VariablesInAllSyntaxes_FormattedPerDatasource()
    {
        var plant = new TemplateVariable("plant", ["demo"]);
        var lines = new TemplateVariable("line", ["line-1", "line-2"], Multi: true, IncludeAll: true);
        var one = new TemplateVariable("machine", ["press-01"], Multi: true);
        var ctx = Ctx(null, plant, lines, one);

        Assert.Equal("plant_id = 'demo' AND line_id IN ('line-1','line-2') AND machine_id IN ('press-01')",
            GrafanaMacros.Expand("plant_id = '$plant' AND line_id IN ($line) AND machine_id IN (${machine})", ctx, DatasourceKind.Postgres));
        Assert.Equal("demo line-1,line-2 'line-1','line-2' (line-1|line-2) line-1|line-2 [\"line-1\",\"line-2\"]",
            GrafanaMacros.Expand("[[plant]] ${line:csv} ${line:sqlstring} ${line:regex} ${line:pipe} ${line:json}", ctx, DatasourceKind.Postgres));
        Assert.Equal("x{plant=\"demo\",line=~\"(line-1|line-2)\",machine=~\"press-01\"}",
            GrafanaMacros.Expand("x{plant=\"$plant\",line=~\"$line\",machine=~\"$machine\"}", ctx, DatasourceKind.Prometheus));
        Assert.Equal("line =~ /^(line-1|line-2)$/ AND plant = 'demo'",
            GrafanaMacros.Expand("line =~ /^$line$/ AND plant = '$plant'", ctx, DatasourceKind.Influx));
        Assert.Equal("$unknown stays", GrafanaMacros.Expand("$unknown stays", ctx, DatasourceKind.Postgres));
    }

    [Fact]
    public void All_IsEveryOption_OrTheCustomAllValueAsWritten()
    {
        var all = new TemplateVariable("line", [], Multi: true, IncludeAll: true, IsAll: true, Options: ["line-1", "line-2"]);
        var custom = all with { AllValue = ".*" };
        Assert.Equal("IN ('line-1','line-2')", GrafanaMacros.Expand("IN ($line)", Ctx(null, all), DatasourceKind.Postgres));
        Assert.Equal("line=~\"(line-1|line-2)\"", GrafanaMacros.Expand("line=~\"$line\"", Ctx(null, all), DatasourceKind.Prometheus));
        Assert.Equal("line=~\".*\"", GrafanaMacros.Expand("line=~\"$line\"", Ctx(null, custom), DatasourceKind.Prometheus));
        Assert.Equal("var-line=$__all .*", GrafanaMacros.Expand("${line:queryparam} ${line:sqlstring}", Ctx(null, custom), DatasourceKind.Prometheus));
        var dotted = new TemplateVariable("m", ["a.b", "c"], Multi: true);
        Assert.Equal("(a\\.b|c) (a\\.b|c) 'a.b','c'", GrafanaMacros.Expand("${m:regex} $m ${m:sqlstring}", Ctx(null, dotted), DatasourceKind.Influx));
    }
}
