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
            // A line without machines yet (created through the API, being set up) has nothing to report.
            foreach (var line in plant.Lines.Where(l => l.Machines.Count > 0))
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
        var recent = await generator.Store.ChangesSinceAsync(now - options.RevisionQuietPeriod, ct);
        foreach (var (target, dueAt) in await MissingAsync(plant, kind, now, ct))
        {
            // Wait while the engine has not computed the whole span, or late data (a replay, a back-fill) is still
            // arriving for it — up to MaxWaitForData after it fell due; then it is made with its completeness shown.
            var completeUntil = await queries.CompleteUntilAsync(target.PlantId, target.LineId, ct);
            var changing = recent.Any(c => c.FirstMinute < target.Span.To && c.LastMinute >= target.Span.From && InScope(plant, target.LineId, c.MachineId));
            if ((completeUntil is null || completeUntil < target.Span.To || changing) && now < dueAt + options.MaxWaitForData)
            {
                waiting++;
                continue;
            }

            try
            {
                if (await generator.GenerateAsync(target, "schedule", waitForLock: false, ct: ct) is { Revision: 1 } stored && stored.GeneratedAt >= now)
                {
                    made++;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One report that cannot be made must not hold back the others (logged and counted by the generator).
                logger.LogWarning("Scheduled report {Series} not made: {Error}", target.SeriesKey, ex.Message);
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
        var settledBefore = now - options.RevisionQuietPeriod;
        var changes = await store.ChangesAsync(settledBefore, 5000, ct);
        var recent = await store.ChangesSinceAsync(settledBefore, ct);
        var revised = 0;
        var keep = new HashSet<long>();
        var plants = new Dictionary<string, PlantConfig?>(StringComparer.Ordinal);
        async Task<PlantConfig?> PlantOf(string id)
        {
            if (!plants.TryGetValue(id, out var plant))
            {
                plant = await generator.PlantAsync(id, ct);
                plants[id] = plant;
            }

            return plant;
        }

        // Reports touched by late data, and reports made before their span was complete (the engine was behind).
        var candidates = changes.Count > 0 ? await store.AffectedByAsync(changes, ct) : [];
        candidates.AddRange((await store.IncompleteAsync(now - options.CatchUp, ct)).Where(r => candidates.All(c => c.SeriesKey != r.SeriesKey)));
        foreach (var report in candidates)
        {
            var touching = changes.Where(c => c.FirstMinute < report.To && c.LastMinute >= report.From).Select(c => c.Id).ToList();
            if (await PlantOf(report.PlantId) is not { } plant || Span(plant, report) is not { } span)
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
            var complete = completeUntil is { } cu && cu >= span.To;
            var stillChanging = recent.Any(c => c.FirstMinute < report.To && c.LastMinute >= report.From && InScope(plant, report.LineId, c.MachineId));
            if (stillChanging || (!complete && (report.Completeness < 1 || now < report.To + options.MaxWaitForData)))
            {
                // Late data is still arriving for this span (a replay in flight), or the engine has not caught up with
                // it: one revision once it settles, not one per batch.
                keep.UnionWith(touching);
                continue;
            }

            try
            {
                if (await generator.GenerateAsync(target, "revision", waitForLock: false, ct: ct) is not { } stored)
                {
                    keep.UnionWith(touching); // being made elsewhere right now: look again next round
                }
                else if (stored.Revision > report.Revision)
                {
                    revised++;
                    logger.LogInformation("Report {Series} revised to revision {Revision}: {Changes}", report.SeriesKey, stored.Revision, string.Join("; ", stored.Changes));
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                keep.UnionWith(touching);
                logger.LogWarning("Report {Series} not revised: {Error}", report.SeriesKey, ex.Message);
            }
        }

        await store.DeleteChangesAsync(changes.Select(c => c.Id).Where(id => !keep.Contains(id)).ToList(), ct);
        return revised;
    }

    private readonly Dictionary<Guid, DateTimeOffset> _mailAttempts = [];

    /// <summary>
    /// The mail outbox: the newest revision of every shift, day and week report of the catch-up window that is not
    /// e-mailed yet goes out (whoever made it: schedule, page or API); a failed send is kept with the report and tried
    /// again after <see cref="MailRetry"/>. At least once: a crash between sending and marking sends it again.
    /// </summary>
    public async Task<int> DeliverAsync(CancellationToken ct)
    {
        if (!options.Email || !mailer.IsEnabled)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var sent = 0;
        var plants = new Dictionary<string, PlantConfig?>(StringComparer.Ordinal);
        foreach (var report in await generator.Store.UnmailedAsync(now - options.CatchUp, ct))
        {
            if (_mailAttempts.TryGetValue(report.Id, out var last) && now - last < MailRetry)
            {
                continue;
            }

            if (!plants.TryGetValue(report.PlantId, out var plant))
            {
                plant = await generator.PlantAsync(report.PlantId, ct);
                plants[report.PlantId] = plant;
            }

            var to = plant?.ReportRecipientsFor(report.LineId) ?? [];
            if (plant is null || to.Count == 0)
            {
                continue;
            }

            _mailAttempts[report.Id] = now;
            if (await SendAsync(plant, report, to, ct))
            {
                sent++;
                _mailAttempts.Remove(report.Id);
            }
        }

        return sent;
    }

    /// <summary>How long a report whose mail failed waits before it is tried again.</summary>
    public static readonly TimeSpan MailRetry = TimeSpan.FromMinutes(5);

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

    /// <summary>E-mails one report revision; a failure is recorded with the report (<c>email_error</c>), never lost silently.</summary>
    private async Task<bool> SendAsync(PlantConfig plant, StoredReport stored, IReadOnlyList<string> to, CancellationToken ct)
    {
        try
        {
            var store = generator.Store;
            var pdf = await store.ContentAsync(stored.Id, ReportFile.Pdf, ct) ?? [];
            var csv = await store.ContentAsync(stored.Id, ReportFile.Csv, ct) ?? [];
            var s = stored.Summary;
            var lineName = stored.LineId is null ? null : plant.Lines.FirstOrDefault(l => l.Id == stored.LineId)?.Name;
            var facts = new ReportMailFacts(stored.Kind, plant.PlantId, plant.Name, stored.LineId, lineName, stored.ShiftName, stored.Day,
                stored.From, stored.To, plant.TimeZone, stored.Revision, s?.Oee, s?.Availability, s?.Performance, s?.Quality)
            {
                Changes = stored.Changes,
                LinkBaseUrl = options.PublicUrl is { Length: > 0 } u ? $"{u.TrimEnd('/')}/api/reports/{stored.Id}/pdf" : null,
            };
            var mail = new ReportMail(to, ReportMailComposer.Subject(facts), ReportMailComposer.TextBody(facts, stored.FileName + ".pdf", stored.FileName + ".csv"),
                [new MailAttachment(stored.FileName + ".pdf", ReportMailComposer.PdfContentType, pdf), new MailAttachment(stored.FileName + ".csv", ReportMailComposer.CsvContentType, csv)]);
            await mailer.SendAsync(mail, ct);
            await store.MarkEmailedAsync(stored.Id, time.GetUtcNow(), null, ct);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Report {Report} could not be e-mailed (tried again in {Retry}): {Error}", stored.Id, MailRetry, ex.Message);
            await generator.Store.MarkEmailedAsync(stored.Id, null, ex.Message, CancellationToken.None);
            return false;
        }
    }
}
