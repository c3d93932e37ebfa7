using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Postgres;
using Ms5.Reports;
using Ms5.Reports.Delivery;

namespace Ms5.ReportsHost;

/// <summary>A scheduled report kind of a plant and when its trigger should fire next.</summary>
internal sealed record PlannedTrigger(string PlantId, ReportKind Kind, DateTimeOffset FireAt)
{
    public string Job => $"{ReportStore.KindName(Kind)}|{PlantId}";
}

/// <summary>
/// What the Quartz jobs do, without Quartz: which reports of a plant are due and missing (within the catch-up
/// window), making them once their data is complete (or once waiting longer would not help), revising reports whose
/// data changed, and deleting expired ones.
/// </summary>
internal sealed class ScheduledReports(ReportGenerator generator, ReportQueries queries, ReportOptions options, ReportMailer mailer, TimeProvider time, ILogger<ScheduledReports> logger)
{
    public static readonly ReportKind[] Kinds = [ReportKind.Shift, ReportKind.Day, ReportKind.Week];

    /// <summary>The reports a kind of a plant owes: for shifts one per line and one for the plant; days and weeks per plant.</summary>
    public static IEnumerable<ReportTarget> Targets(PlantConfig plant, DueReport due)
    {
        ArgumentNullException.ThrowIfNull(plant);
        ArgumentNullException.ThrowIfNull(due);
        if (due.Span.Kind == ReportKind.Shift)
        {
            foreach (var line in plant.Lines)
            {
                yield return new ReportTarget(plant, line, due.Span);
            }
        }

        yield return new ReportTarget(plant, null, due.Span);
    }

    /// <summary>Due reports of the kind in the catch-up window that do not exist yet.</summary>
    public async Task<List<(ReportTarget Target, DateTimeOffset DueAt)>> MissingAsync(PlantConfig plant, ReportKind kind, DateTimeOffset now, CancellationToken ct)
    {
        var due = ReportSchedule.Due(plant.Calendar, kind, now - options.CatchUp, now, options.Grace);
        var targets = due.SelectMany(d => Targets(plant, d).Select(t => (Target: t, d.DueAt))).ToList();
        if (targets.Count == 0)
        {
            return [];
        }

        var existing = await generator.Store.ExistingAsync(targets.Select(t => t.Target.SeriesKey).ToList(), ct);
        var missing = new List<(ReportTarget Target, DateTimeOffset DueAt)>();
        foreach (var t in targets.Where(t => !existing.Contains(t.Target.SeriesKey)))
        {
            // A span MS5 has no data for at all (before it was installed, a line not yet connected) gets no empty report;
            // if its data arrives later (a replay), the report is made then.
            if (await queries.HasDataAsync(t.Target.PlantId, t.Target.LineId, t.Target.Span.From, t.Target.Span.To, ct))
            {
                missing.Add(t);
            }
        }

        return missing;
    }

    /// <summary>Where each plant's triggers should stand: now when reports are missing, else the next due time.</summary>
    public async Task<List<PlannedTrigger>> PlanAsync(DateTimeOffset now, CancellationToken ct)
    {
        var plan = new List<PlannedTrigger>();
        foreach (var plant in await generator.PlantsAsync(ct))
        {
            foreach (var kind in Kinds)
            {
                var missing = await MissingAsync(plant, kind, now, ct);
                var next = missing.Count > 0 ? now : ReportSchedule.NextDue(plant.Calendar, kind, now, options.Grace);
                if (next is { } at)
                {
                    plan.Add(new PlannedTrigger(plant.PlantId, kind, at));
                }
            }
        }

        return plan;
    }

    /// <summary>
    /// Makes the missing due reports of a plant's kind, oldest first. A report waits while the engine has not computed
    /// its whole span, up to <see cref="ReportOptions.MaxWaitForData"/> after it fell due; then it is made with its
    /// completeness shown. Returns how many were made and how many still wait.
    /// </summary>
    public async Task<(int Made, int Waiting)> RunAsync(string plantId, ReportKind kind, CancellationToken ct)
    {
        if (await generator.PlantAsync(plantId, ct) is not { } plant)
        {
            return (0, 0);
        }

        var now = time.GetUtcNow();
        var (made, waiting) = (0, 0);
        foreach (var (target, dueAt) in await MissingAsync(plant, kind, now, ct))
        {
            var completeUntil = await queries.CompleteUntilAsync(target.PlantId, target.LineId, ct);
            if ((completeUntil is null || completeUntil < target.Span.To) && now < dueAt + options.MaxWaitForData)
            {
                waiting++;
                continue;
            }

            if (await generator.GenerateAsync(target, "schedule", waitForLock: false, ct: ct) is { } stored && stored.Revision == 1 && stored.GeneratedAt >= now)
            {
                made++;
                await DeliverAsync(target, stored, ct);
            }
        }

        if (waiting > 0)
        {
            logger.LogInformation("{Waiting} {Kind} report(s) of plant {Plant} wait for the engine to finish their span", waiting, kind, plantId);
        }

        return (made, waiting);
    }

    /// <summary>
    /// Reads the engine's change log (settled for <see cref="ReportOptions.RevisionQuietPeriod"/>), and makes a new
    /// revision of every report it touches whose data really changed. Changes for reports whose span the engine has
    /// not completed again stay in the log for the next round.
    /// </summary>
    public async Task<int> ReviseAsync(CancellationToken ct)
    {
        var store = generator.Store;
        var now = time.GetUtcNow();
        var all = await store.ChangesAsync(now, 5000, ct);
        var settledBefore = now - options.RevisionQuietPeriod;
        var changes = all.Where(c => c.RecordedAt < settledBefore).ToList();
        var recent = all.Where(c => c.RecordedAt >= settledBefore).ToList();
        if (changes.Count == 0)
        {
            return 0;
        }

        var revised = 0;
        var keep = new HashSet<long>();
        var plants = new Dictionary<string, PlantConfig?>(StringComparer.Ordinal);
        foreach (var report in await store.AffectedByAsync(changes, ct))
        {
            if (!plants.TryGetValue(report.PlantId, out var plant))
            {
                plant = await generator.PlantAsync(report.PlantId, ct);
                plants[report.PlantId] = plant;
            }

            if (plant is null || Span(plant, report) is not { } span)
            {
                continue;
            }

            var line = report.LineId is null ? null : plant.Lines.FirstOrDefault(l => l.Id == report.LineId);
            if (report.LineId is not null && line is null)
            {
                continue;
            }

            var target = new ReportTarget(plant, line, span);
            var completeUntil = await queries.CompleteUntilAsync(target.PlantId, target.LineId, ct);
            var stillChanging = recent.Any(c => c.FirstMinute < report.To && c.LastMinute >= report.From && InScope(plant, report.LineId, c.MachineId));
            if (stillChanging || (completeUntil is { } cu && cu < span.To && now < report.To + options.MaxWaitForData))
            {
                // Late data is still arriving for this span (a replay in flight), or the engine has not caught up with
                // it: one revision once it settles, not one per batch.
                foreach (var c in changes.Where(c => c.FirstMinute < report.To && c.LastMinute >= report.From))
                {
                    keep.Add(c.Id);
                }

                continue;
            }

            if (await generator.GenerateAsync(target, "revision", waitForLock: false, ct: ct) is { } stored && stored.Revision > report.Revision)
            {
                revised++;
                logger.LogInformation("Report {Series} revised to revision {Revision}: {Changes}", report.SeriesKey, stored.Revision, string.Join("; ", stored.Changes));
                await DeliverAsync(target, stored, ct);
            }
        }

        await store.DeleteChangesAsync(changes.Select(c => c.Id).Where(id => !keep.Contains(id)).ToList(), ct);
        return revised;
    }

    private static bool InScope(PlantConfig plant, string? lineId, string machineId) =>
        lineId is null ? plant.Machines.Any(m => m.Id == machineId) : plant.Lines.Any(l => l.Id == lineId && l.Machines.Any(m => m.Id == machineId));

    /// <summary>Deletes reports whose span ended more than the retention ago, and change-log rows older than the catch-up window.</summary>
    public async Task<int> RetentionAsync(CancellationToken ct)
    {
        await generator.Store.DeleteChangesBeforeAsync(time.GetUtcNow() - options.CatchUp, ct);
        var deleted = await generator.Store.DeleteEndedBeforeAsync(time.GetUtcNow() - options.Retention, ct);
        if (deleted > 0)
        {
            logger.LogInformation("Retention: deleted {Count} report revision(s) older than {Retention}", deleted, options.Retention);
        }

        return deleted;
    }

    /// <summary>The span a stored report covers, re-resolved against the plant's calendar (null when it no longer exists).</summary>
    public static ReportSpan? Span(PlantConfig plant, StoredReport r)
    {
        ArgumentNullException.ThrowIfNull(plant);
        ArgumentNullException.ThrowIfNull(r);
        var span = r.Kind switch
        {
            ReportKind.Shift when r.Day is { } d && r.ShiftName is { } s => ReportPeriods.Shift(plant.Calendar, d, s).Span,
            ReportKind.Day when r.Day is { } d => ReportPeriods.Day(plant.TimeZone, d),
            ReportKind.Week when r.Day is { } d => ReportPeriods.Week(plant.TimeZone, d),
            ReportKind.Range => ReportPeriods.Range(r.From, r.To),
            _ => null,
        };
        // A calendar edited since may move the shift: the stored series is about the span it was made for.
        return span is not null && span.From == r.From && span.To == r.To ? span : null;
    }

    /// <summary>E-mails a report where the plant file asks for it; a failure is recorded with the report, never lost silently.</summary>
    private async Task DeliverAsync(ReportTarget target, StoredReport stored, CancellationToken ct)
    {
        var to = target.Plant.ReportRecipientsFor(target.LineId);
        if (!options.Email || to.Count == 0 || !mailer.IsEnabled)
        {
            return;
        }

        try
        {
            var store = generator.Store;
            var pdf = await store.ContentAsync(stored.Id, ReportFile.Pdf, ct) ?? [];
            var csv = await store.ContentAsync(stored.Id, ReportFile.Csv, ct) ?? [];
            var s = stored.Summary;
            var facts = new ReportMailFacts(stored.Kind, target.PlantId, target.Plant.Name, target.LineId, target.Line?.Name, stored.ShiftName, stored.Day,
                stored.From, stored.To, target.Plant.TimeZone, stored.Revision, s?.Oee, s?.Availability, s?.Performance, s?.Quality)
            {
                Changes = stored.Changes,
                LinkBaseUrl = options.PublicUrl is { Length: > 0 } u ? $"{u.TrimEnd('/')}/api/reports/{stored.Id}/pdf" : null,
            };
            var mail = new ReportMail(to, ReportMailComposer.Subject(facts), ReportMailComposer.TextBody(facts, stored.FileName + ".pdf", stored.FileName + ".csv"),
                [new MailAttachment(stored.FileName + ".pdf", ReportMailComposer.PdfContentType, pdf), new MailAttachment(stored.FileName + ".csv", ReportMailComposer.CsvContentType, csv)]);
            await mailer.SendAsync(mail, ct);
            await store.MarkEmailedAsync(stored.Id, time.GetUtcNow(), null, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Report {Report} could not be e-mailed: {Error}", stored.Id, ex.Message);
            await generator.Store.MarkEmailedAsync(stored.Id, null, ex.Message, CancellationToken.None);
        }
    }
}
