using Microsoft.Extensions.Logging;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Postgres;
using Ms5.Reports.Csv;
using Ms5.Reports.Pdf;

namespace Ms5.Reports;

/// <summary>A report to make: the plant (its calendar, names, loss mapping), the line (null: the whole plant) and the span.</summary>
public sealed record ReportTarget(PlantConfig Plant, Line? Line, ReportSpan Span)
{
    public string PlantId => Plant.PlantId;
    public string? LineId => Line?.Id;
    public string SeriesKey => Span.SeriesKey(PlantId, LineId);
    public string ScopeId => LineId ?? PlantId;
}

/// <summary>
/// Makes reports: reads the scope's buckets, stops, products, Andons and (shift reports) anomaly flags and operator assignments, builds the document, renders the PDF and CSVs
/// and stores them as the series' next revision — only when the data differs from the newest revision's (its
/// fingerprint), so asking twice, or two instances asking at once, never makes the same report twice.
/// </summary>
public sealed class ReportGenerator(ReportQueries queries, ReportStore store, PlantStore plants, AnomalyStore anomalies, TimeProvider time, ILogger<ReportGenerator> logger, OrderStore? orders = null)
{
    public ReportStore Store => store;

    /// <summary>The plant as configured (its stored plant file), or null when unknown.</summary>
    public async Task<PlantConfig?> PlantAsync(string plantId, CancellationToken ct = default) =>
        await plants.ConfigAsync(plantId, ct) is { } json ? PlantConfigParser.Parse(json) : null;

    /// <summary>Every configured plant.</summary>
    public async Task<IReadOnlyList<PlantConfig>> PlantsAsync(CancellationToken ct = default)
    {
        var list = new List<PlantConfig>();
        foreach (var id in await plants.PlantIdsAsync(ct))
        {
            if (await PlantAsync(id, ct) is { } p)
            {
                list.Add(p);
            }
        }

        return list;
    }

    /// <summary>The plant and line of a line id, or null when no plant has it.</summary>
    public async Task<(PlantConfig Plant, Line Line)?> LineAsync(string lineId, CancellationToken ct = default)
    {
        foreach (var p in await PlantsAsync(ct))
        {
            if (p.Lines.FirstOrDefault(l => l.Id == lineId) is { } line)
            {
                return (p, line);
            }
        }

        return null;
    }

    /// <summary>The newest ready revision of the target's series if its data has not changed since (no new revision needed), else null.</summary>
    public async Task<StoredReport?> UnchangedAsync(ReportTarget target, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var revisions = await store.RevisionsAsync(target.SeriesKey, ct);
        if (revisions.LastOrDefault(r => r.Status == "ready") is not { } lastReady)
        {
            return null;
        }

        return lastReady.Fingerprint == await queries.FingerprintAsync(target.PlantId, target.LineId, target.Span.From, target.Span.To, ct) ? lastReady : null;
    }

    /// <summary>Machines × minutes of a report: what its cost grows with.</summary>
    public static long Size(ReportTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var machines = target.Line?.Machines.Count ?? target.Plant.Machines.Count();
        return machines * (long)Math.Ceiling((target.Span.To - target.Span.From).TotalMinutes);
    }

    /// <summary>
    /// Makes the series' next revision if its data changed since the newest ready one (or there is none); returns the
    /// newest revision either way. Null only when <paramref name="waitForLock"/> is false and another session is
    /// making this series right now.
    /// </summary>
    public async Task<StoredReport?> GenerateAsync(ReportTarget target, string trigger, bool waitForLock, Guid? pendingId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var key = target.SeriesKey;
        IAsyncDisposable? held = null;
        for (var attempt = 0; held is null; attempt++)
        {
            held = await store.TryLockSeriesAsync(key, ct);
            if (held is null)
            {
                if (!waitForLock)
                {
                    return null;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * (attempt + 1))), time, ct);
            }
        }

        await using var _ = held;
        var revisions = await store.RevisionsAsync(key, ct);
        var lastReady = revisions.LastOrDefault(r => r.Status == "ready");
        // Read once: the fingerprint is taken from exactly what the report would be built from.
        var data = await ReadAsync(target, ct);
        var fingerprint = ReportQueries.Fingerprint(data.ByMachine, data.States, target.Span.From, target.Span.To);
        if (lastReady is not null && lastReady.Fingerprint == fingerprint && pendingId is null)
        {
            return revisions[^1].Status == "ready" ? revisions[^1] : lastReady;
        }

        if (pendingId is { } done && revisions.FirstOrDefault(r => r.Id == done) is { Status: "ready" } finished)
        {
            return finished;
        }

        // A failed or pending attempt is completed in place; otherwise the next revision number.
        var reuse = pendingId is { } pid ? revisions.FirstOrDefault(r => r.Id == pid) : revisions.LastOrDefault() is { Status: "failed" } f ? f : null;
        var revision = reuse?.Revision ?? (revisions.Count == 0 ? 1 : revisions[^1].Revision + 1);
        var started = time.GetTimestamp();
        try
        {
            var (doc, summary) = await BuildAsync(target, revision, lastReady?.Summary, data, ct);
            var content = new ReportContent(PdfReport.Render(doc), ReportCsv.Machines(doc), ReportCsv.Stops(doc), ReportCsv.Orders(doc));
            var stored = new StoredReport(reuse?.Id ?? Guid.CreateVersion7(), key, revision, target.Span.Kind, target.PlantId, target.LineId, target.Span.ShiftName,
                target.Span.Day, target.Span.From, target.Span.To, "ready", null, reuse?.Trigger ?? trigger, reuse?.RequestedAt ?? doc.Header.GeneratedAt, doc.Header.GeneratedAt,
                fingerprint, doc.Header.Completeness, summary, doc.Header.Changes, target.Span.FileBase(target.ScopeId, revision), null, null);
            if (reuse is not null)
            {
                await store.CompleteAsync(stored, content, ct);
            }
            else if (!await store.TryInsertAsync(stored, content, ct))
            {
                // Only possible without the lock (it was lost with its connection): the other maker's revision stands.
                return await store.LatestAsync(key, ct);
            }

            ReportMetrics.Generated(target.Span.Kind, trigger, time.GetElapsedTime(started));
            logger.LogInformation("Report {Series} revision {Revision} made ({Trigger}) in {Elapsed} ms: OEE {Oee}",
                key, revision, trigger, (long)time.GetElapsedTime(started).TotalMilliseconds, ReportSummary.Percent(summary.Oee));
            return stored;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ReportMetrics.Failed(target.Span.Kind);
            logger.LogError(ex, "Report {Series} revision {Revision} failed", key, revision);
            if (reuse is not null)
            {
                await store.FailAsync(reuse.Id, ex.Message, CancellationToken.None);
            }

            throw;
        }
    }

    /// <summary>Reads everything the report shows and builds its document (no storing).</summary>
    public async Task<(ReportDocument Doc, ReportSummary Summary)> BuildAsync(ReportTarget target, int revision, ReportSummary? previousRevision, CancellationToken ct = default) =>
        await BuildAsync(target, revision, previousRevision, await ReadAsync(target, ct), ct);

    /// <summary>The span's summed buckets per machine and its state intervals: what the fingerprint and the report share.</summary>
    private sealed record SpanData(Dictionary<string, OeeComponents> ByMachine, List<StateSpan> States);

    private async Task<SpanData> ReadAsync(ReportTarget target, CancellationToken ct) => new(
        await queries.ByMachineAsync(target.PlantId, target.LineId, target.Span.From, target.Span.To, ct),
        await queries.StatesAsync(target.PlantId, target.LineId, target.Span.From, target.Span.To, ct));

    private async Task<(ReportDocument Doc, ReportSummary Summary)> BuildAsync(ReportTarget target, int revision, ReportSummary? previousRevision, SpanData data, CancellationToken ct)
    {
        var (plant, lineId, span) = (target.Plant, target.LineId, target.Span);
        var now = time.GetUtcNow();
        var byMachine = data.ByMachine;
        var known = (await plants.MachinesAsync(ct)).Where(m => m.PlantId == plant.PlantId && (lineId is null || m.LineId == lineId)).ToList();
        // Active machines, and retired ones that still have data in the span (their minutes are in the totals).
        var machines = known.Where(m => m.Active || byMachine.ContainsKey(m.MachineId))
            .Select(m => new ReportMachine(m.MachineId, m.Name, m.LineId)).ToList();
        var hourly = ReportBuilder.Hours(span.From, span.To, await queries.HourlyAsync(plant.PlantId, lineId, span.From, span.To, ct));
        async Task<KpiSet?> Compare(TimeRange? r) =>
            r is { } x ? KpiSet.Of(x.From, x.To, await queries.TotalAsync(plant.PlantId, lineId, x.From, x.To, ct)) : null;
        var previous = await Compare(span.Previous);
        var weekAgo = await Compare(span.WeekAgo);
        var states = data.States;
        var products = await queries.ProductsAsync(plant.PlantId, lineId, span.From, span.To, ct);
        var andons = await queries.AndonsAsync(plant.PlantId, lineId, span.From, span.To, ct);
        var completeUntil = await queries.CompleteUntilAsync(plant.PlantId, lineId, ct);
        var completeness = completeUntil is { } cu ? Math.Clamp((cu - span.From) / (span.To - span.From), 0, 1) : 0;

        var total = OeeComponents.Sum(byMachine.Where(x => machines.Any(m => m.MachineId == x.Key)).Select(x => x.Value));
        var summary = ReportSummary.Of(total);
        var changes = previousRevision is null ? (IReadOnlyList<string>)[] : ReportSummary.Changes(previousRevision, summary);
        var header = new ReportHeader(span.Kind, plant.PlantId, plant.Name, lineId, target.Line?.Name, span.ShiftName, span.Day, span.From, span.To,
            plant.TimeZone, now, revision, completeness, changes);
        var unusual = span.Kind == ReportKind.Shift ? await UnusualStopsAsync(target, known.ToDictionary(m => m.MachineId, m => m.Name, StringComparer.Ordinal), ct) : null;
        // Who ran what: the shift's operator assignments (a later change of an assignment does not revise the report).
        var operators = span is { Kind: ReportKind.Shift, Day: { } day, ShiftName: { } shiftName }
            ? await queries.OperatorsAsync(new Analytics.Assignments.ShiftSlot(day, shiftName), ct)
            : null;
        var doc = ReportBuilder.Build(new ReportInputs(header, machines, byMachine, hourly, previous, weekAgo, states, LossClassifier.For(plant), products, andons, now)
        {
            UnusualStops = unusual,
            Operators = operators,
        }) with
        {
            Orders = span.Kind == ReportKind.Shift && orders is not null ? await OrdersAsync(target, known.ToDictionary(m => m.MachineId, m => m.Name, StringComparer.Ordinal), now, ct) : null,
        };
        return (doc, summary);
    }

    /// <summary>
    /// The orders that ran during the shift on the report's line (or the plant), by actual start: their figures during the
    /// shift's part of them and their overall progress as of now. The fingerprint is the minute data, so a lifecycle change
    /// alone (no new minutes) does not make a new revision.
    /// </summary>
    private async Task<IReadOnlyList<ShiftOrderRow>> OrdersAsync(ReportTarget target, Dictionary<string, string> names, DateTimeOffset now, CancellationToken ct)
    {
        var (from, to) = (target.Span.From, target.Span.To);
        var listed = await orders!.ListAsync(new OrderFilter(PlantId: target.PlantId, LineId: target.LineId, From: from, To: to, Limit: 10_000), ct);
        var ran = listed.Select(s => s.Order).Where(o => ShiftOrders.Overlap(o, from, to, now) is not null)
            .OrderBy(o => o.ActualStart).ThenBy(o => o.OrderId, StringComparer.Ordinal).ToList();
        var progress = await orders.ProgressAsync(ran, now, ct);
        var rows = new List<ShiftOrderRow>(ran.Count);
        for (var i = 0; i < ran.Count; i++)
        {
            var o = ran[i];
            var part = ShiftOrders.Overlap(o, from, to, now)!.Value;
            var inShift = await orders.ComponentsAsync(o.MachineIds, part.From, part.To, ct);
            rows.Add(ShiftOrders.Row(o, string.Join(", ", o.MachineIds.Select(m => names.GetValueOrDefault(m, m))), inShift, progress[i]));
        }

        return rows;
    }

    /// <summary>The lowest score a flag of the "Unusual stops" section has (flags are scored 0..1; flagged ones from 0.5).</summary>
    public const double UnusualStopMinScore = 0.5;

    /// <summary>
    /// The flagged downtime anomalies whose stop overlaps the span, of the report's line (or the plant), or "no model"
    /// when the plant has no ready anomaly model. Flags are stored by live scoring and by training; a report made
    /// before a later training does not change when that training adds flags (the fingerprint is the minute data).
    /// </summary>
    private async Task<UnusualStops> UnusualStopsAsync(ReportTarget target, Dictionary<string, string> names, CancellationToken ct)
    {
        if (await anomalies.LatestReadyAsync(target.PlantId, ct) is null)
        {
            return UnusualStops.NoModel;
        }

        var (scope, id) = target.LineId is { } line ? (OeeScope.Line, line) : (OeeScope.Plant, target.PlantId);
        var flags = await anomalies.QueryAsync(scope, id, target.Span.From, target.Span.To, UnusualStopMinScore, UnusualStops.DefaultLimit, ct, flagged: true);
        var rows = flags.Where(f => f.Flagged && f.PlantId == target.PlantId)
            .Select(f => new UnusualStopRow(f.MachineId, names.GetValueOrDefault(f.MachineId, f.MachineId), f.Kind, f.Reason, f.Start, f.End, f.Seconds, f.Score, f.Explanation))
            .ToList();
        return new UnusualStops(true, rows);
    }
}
