using Ms5.Analytics.Access;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;
using Ms5.Postgres;
using Ms5.Reports;

namespace Ms5.Api.Apis;

public sealed record ReportLinks(string Self, string Pdf, string Csv, string StopsCsv, string OrdersCsv);

public sealed record ReportRevisionRef(Guid Id, int Revision, DateTimeOffset? GeneratedAt, string Status);

/// <summary>One report revision as the API shows it (the reports page reads exactly this).</summary>
public sealed record ReportItem(
    Guid Id,
    string Kind,
    string PlantId,
    string? LineId,
    string ScopeName,
    string? Shift,
    string? Day,
    DateTimeOffset From,
    DateTimeOffset To,
    string FromLocal,
    string ToLocal,
    int Revision,
    bool Revised,
    IReadOnlyList<string> Changes,
    string Status,
    string? Error,
    DateTimeOffset RequestedAt,
    DateTimeOffset? GeneratedAt,
    string Trigger,
    double? Completeness,
    double? Oee,
    double? Availability,
    double? Performance,
    double? Quality,
    double? Teep,
    long? GoodCount,
    long? RejectCount,
    string FileName,
    DateTimeOffset? EmailedAt,
    string? EmailError,
    ReportLinks Links,
    IReadOnlyList<ReportRevisionRef> Revisions);

public sealed record ScheduleEntry(string Job, string PlantId, string Kind, DateTimeOffset? NextFireTime, DateTimeOffset? PreviousFireTime, string State);

/// <summary>
/// Shift reports: POST /api/reports (make one now), GET /api/reports (list, newest revision per report),
/// GET /api/reports/{id} (one revision with its siblings), GET /api/reports/{id}/pdf|csv|stops.csv|orders.csv (download),
/// GET /api/reports/schedule (each Quartz trigger's next fire time).
/// </summary>
internal static class ReportsApi
{
    private static readonly DateOnly Earliest = new(2000, 1, 1);
    private static readonly DateOnly Latest = new(2100, 1, 1);
    private const string Example = """{"kind": "shift", "lineId": "line-1", "day": "2026-11-17", "shift": "early"}""";

    public static void MapReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/reports", CreateAsync).RequireAuthorization(AccessPolicies.ReportsWrite).WithName("CreateReport").WithTags("reports")
            .WithSummary("Make a shift, day, week or range report for a line or plant now (202 + Location when it is big).")
            .Accepts<JsonElement>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapGet("/api/reports", ListAsync).RequireAuthorization(AccessPolicies.Read).WithName("ListReports").WithTags("reports")
            .WithSummary("Reports (newest revision of each), filtered by plant, line, kind, range or day.").ProducesValidationProblem();
        app.MapGet("/api/reports/schedule", ScheduleAsync).RequireAuthorization(AccessPolicies.Read).WithName("ReportSchedule").WithTags("reports")
            .WithSummary("The report triggers of each plant and when they fire next.");
        app.MapGet("/api/reports/{id}", GetAsync).RequireAuthorization(AccessPolicies.Read).WithName("GetReport").WithTags("reports")
            .WithSummary("One report revision, with the list of its revisions.").ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/reports/{id}/pdf", (string id, ReportStore s, CancellationToken ct) => FileAsync(id, ReportFile.Pdf, s, ct))
            .RequireAuthorization(AccessPolicies.Read).WithName("GetReportPdf").WithTags("reports").WithSummary("The report as PDF (A4).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapGet("/api/reports/{id}/csv", (string id, ReportStore s, CancellationToken ct) => FileAsync(id, ReportFile.Csv, s, ct))
            .RequireAuthorization(AccessPolicies.Read).WithName("GetReportCsv").WithTags("reports").WithSummary("One row per machine (RFC 4180, UTF-8).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapGet("/api/reports/{id}/stops.csv", (string id, ReportStore s, CancellationToken ct) => FileAsync(id, ReportFile.StopsCsv, s, ct))
            .RequireAuthorization(AccessPolicies.Read).WithName("GetReportStopsCsv").WithTags("reports").WithSummary("One row per stop (RFC 4180, UTF-8).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        app.MapGet("/api/reports/{id}/orders.csv", (string id, ReportStore s, CancellationToken ct) => FileAsync(id, ReportFile.OrdersCsv, s, ct))
            .RequireAuthorization(AccessPolicies.Read).WithName("GetReportOrdersCsv").WithTags("reports")
            .WithSummary("One row per production order that ran during the shift (RFC 4180, UTF-8; the header only for other reports).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ReportGenerator generator, ReportOptions options, ReportQueue queue, TimeProvider time, CancellationToken ct)
    {
        var (body, bodyError) = await JsonBody.ReadObjectAsync(request, Example, ct);
        if (bodyError is not null)
        {
            return bodyError;
        }

        var errors = new Dictionary<string, string[]>();
        var kindText = JsonBody.Text(body, "kind", required: true, errors);
        var lineId = JsonBody.Text(body, "lineId", required: false, errors);
        var plantId = JsonBody.Text(body, "plantId", required: false, errors);
        ReportKind kind = default;
        if (kindText is not null && !ReportStore.TryParseKind(kindText, out kind))
        {
            errors["kind"] = [$"must be shift, day, week or range, got '{kindText}'"];
        }

        if ((lineId is null) == (plantId is null) && !errors.ContainsKey("lineId") && !errors.ContainsKey("plantId"))
        {
            errors["lineId"] = ["give exactly one of lineId (a line report) or plantId (the plant report)"];
        }

        DateOnly? day = null;
        string? shift = null;
        DateTimeOffset? from = null, to = null;
        if (!errors.ContainsKey("kind") && kindText is not null)
        {
            if (kind is ReportKind.Shift or ReportKind.Day or ReportKind.Week)
            {
                var dayText = JsonBody.Text(body, "day", required: true, errors);
                if (dayText is not null)
                {
                    if (DateOnly.TryParseExact(dayText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) && d >= Earliest && d <= Latest)
                    {
                        day = d;
                    }
                    else
                    {
                        errors["day"] = [$"must be a date YYYY-MM-DD from {Earliest:yyyy-MM-dd} to {Latest:yyyy-MM-dd} (the shift's local start day), got '{dayText}'"];
                    }
                }

                if (kind == ReportKind.Shift)
                {
                    shift = JsonBody.Text(body, "shift", required: true, errors);
                }
            }
            else
            {
                from = QueryParams.Minute(JsonBody.Text(body, "from", required: true, errors) ?? "", "from", errors);
                to = QueryParams.Minute(JsonBody.Text(body, "to", required: true, errors) ?? "", "to", errors);
                if (from is { } f0 && (f0.Year < Earliest.Year || f0.Year > Latest.Year))
                {
                    errors["from"] = [$"must lie between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}"];
                }
                else if (from is { } f && to is { } t && (t <= f || t - f > options.MaxRange))
                {
                    errors["to"] = [$"must be later than from, by at most {options.MaxRange.TotalDays:0.#} days"];
                }
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid report request");
        }

        PlantConfig plant;
        Line? line = null;
        if (lineId is not null)
        {
            if (await generator.LineAsync(lineId, ct) is not { } found)
            {
                return NotFound("Unknown line", $"line '{lineId}' is not in any plant's configuration");
            }

            (plant, line) = found;
        }
        else if (await generator.PlantAsync(plantId!, ct) is { } p)
        {
            plant = p;
        }
        else
        {
            return NotFound("Unknown plant", $"plant '{plantId}' is not loaded");
        }

        ReportSpan span;
        switch (kind)
        {
            case ReportKind.Shift:
                var (s, problem) = ReportPeriods.Shift(plant.Calendar, day!.Value, shift!);
                if (problem == SpanProblem.UnknownShift)
                {
                    var names = string.Join(", ", plant.Calendar.Shifts.Select(x => x.Name));
                    return NotFound("Unknown shift", $"plant '{plant.PlantId}' has no shift '{shift}' (its shifts: {(names.Length > 0 ? names : "none")})");
                }

                if (problem == SpanProblem.ShiftNotOnDay)
                {
                    var why = plant.Calendar.Holidays.Contains(day.Value) ? "it is a holiday" : $"the shift does not run on {day.Value.DayOfWeek}s";
                    return NotFound("No such shift", $"shift '{shift}' of plant '{plant.PlantId}' does not run on {day:yyyy-MM-dd}: {why}");
                }

                span = s!;
                break;
            case ReportKind.Day:
                span = ReportPeriods.Day(plant.TimeZone, day!.Value);
                break;
            case ReportKind.Week:
                span = ReportPeriods.Week(plant.TimeZone, day!.Value);
                break;
            default:
                span = ReportPeriods.Range(from!.Value, to!.Value);
                break;
        }

        var now = time.GetUtcNow();
        if (span.To > now)
        {
            var what = kind == ReportKind.Shift ? $"shift '{shift}' of {day:yyyy-MM-dd}" : $"the {kind.ToString().ToLowerInvariant()}";
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not over yet",
                detail: $"{what} ends at {Local(plant.TimeZone, span.To)} ({span.To.UtcDateTime:yyyy-MM-dd'T'HH:mm'Z'}); its report can be made once it is over");
        }

        var target = new ReportTarget(plant, line, span);
        if (ReportGenerator.Size(target) > options.MaxSyncMachineMinutes && await generator.UnchangedAsync(target, ct) is null)
        {
            var pending = await queue.EnqueueAsync(target, ct);
            var item = await ItemAsync(pending, generator, ct);
            await Audit(request, "report.request", item.Id.ToString(), "queued");
            return TypedResults.Accepted(item.Links.Self, item);
        }

        var stored = await generator.GenerateAsync(target, "request", waitForLock: true, ct: ct);
        var result = await ItemAsync(stored!, generator, ct);
        await Audit(request, "report.request", result.Id.ToString(), "created");
        return TypedResults.Created(result.Links.Self, result);
    }

    private static Task Audit(HttpRequest request, string action, string target, string outcome) =>
        request.HttpContext.RequestServices.GetRequiredService<Access.AuditTrail>().RecordAsync(request.HttpContext, action, target, outcome);

    private static async Task<Results<Ok<IReadOnlyList<ReportItem>>, ValidationProblem>> ListAsync(HttpRequest request, ReportStore store, ReportGenerator generator, CancellationToken ct)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        var unknown = q.Keys.Where(k => k is not ("plant" or "line" or "kind" or "from" or "to" or "day" or "limit")).ToList();
        if (unknown.Count > 0)
        {
            errors["query"] = [$"unknown parameter(s): {string.Join(", ", unknown)}; allowed: plant, line, kind, from, to, day, limit"];
        }

        ReportKind? kind = null;
        if (q["kind"].ToString() is { Length: > 0 } k)
        {
            if (ReportStore.TryParseKind(k, out var parsed))
            {
                kind = parsed;
            }
            else
            {
                errors["kind"] = [$"must be shift, day, week or range, got '{k}'"];
            }
        }

        DateTimeOffset? from = q["from"].ToString().Length > 0 ? QueryParams.Instant(q["from"].ToString(), "from", errors) : null;
        DateTimeOffset? to = q["to"].ToString().Length > 0 ? QueryParams.Instant(q["to"].ToString(), "to", errors) : null;
        DateOnly? day = null;
        if (q["day"].ToString() is { Length: > 0 } d)
        {
            if (DateOnly.TryParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                day = parsed;
            }
            else
            {
                errors["day"] = [$"must be a date YYYY-MM-DD, got '{d}'"];
            }
        }

        var limit = 200;
        if (q["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, out limit) || limit < 1 || limit > 5000))
        {
            errors["limit"] = [$"must be a whole number from 1 to 5000, got '{l}'"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query for /api/reports");
        }

        var reports = await store.ListAsync(Opt(q["plant"]), Opt(q["line"]), kind, from, to, day, limit, ct);
        var items = new List<ReportItem>(reports.Count);
        var plants = new Dictionary<string, PlantConfig?>(StringComparer.Ordinal);
        foreach (var r in reports)
        {
            items.Add(await ItemAsync(r, generator, ct, plants));
        }

        return TypedResults.Ok<IReadOnlyList<ReportItem>>(items);
    }

    private static async Task<Results<Ok<ReportItem>, ProblemHttpResult>> GetAsync(string id, ReportStore store, ReportGenerator generator, CancellationToken ct) =>
        await FindAsync(id, store, ct) is { } r ? TypedResults.Ok(await ItemAsync(r, generator, ct)) : NotFound("Unknown report", $"no report has id '{id}'");

    private static async Task<IResult> FileAsync(string id, ReportFile file, ReportStore store, CancellationToken ct)
    {
        if (await FindAsync(id, store, ct) is not { } r)
        {
            return NotFound("Unknown report", $"no report has id '{id}'");
        }

        if (r.Status != "ready" || await store.ContentAsync(r.Id, file, ct) is not { } bytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Report not ready",
                detail: r.Status == "failed" ? $"report '{id}' failed: {r.Error}" : $"report '{id}' is still being made; try again shortly");
        }

        var (name, type) = file switch
        {
            ReportFile.Pdf => (r.FileName + ".pdf", "application/pdf"),
            ReportFile.Csv => (r.FileName + ".csv", "text/csv; charset=utf-8"),
            ReportFile.OrdersCsv => (r.FileName + "-orders.csv", "text/csv; charset=utf-8"),
            _ => (r.FileName + "-stops.csv", "text/csv; charset=utf-8"),
        };
        return TypedResults.File(bytes, type, name);
    }

    private static async Task<Ok<IReadOnlyList<ScheduleEntry>>> ScheduleAsync(ReportStore store, ReportOptions options, CancellationToken ct)
    {
        var triggers = await store.TriggersAsync(options.SchedulerName, ct);
        IReadOnlyList<ScheduleEntry> entries = triggers
            .Select(t => new ScheduleEntry(t.Job, t.PlantId, t.Kind, t.NextFireTime, t.PreviousFireTime, t.State))
            .OrderBy(e => e.NextFireTime ?? DateTimeOffset.MaxValue).ThenBy(e => e.Job, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(entries);
    }

    private static async Task<StoredReport?> FindAsync(string id, ReportStore store, CancellationToken ct) =>
        Guid.TryParse(id, out var guid) ? await store.GetAsync(guid, ct) : null;

    internal static async Task<ReportItem> ItemAsync(StoredReport r, ReportGenerator generator, CancellationToken ct, Dictionary<string, PlantConfig?>? plants = null)
    {
        plants ??= new Dictionary<string, PlantConfig?>(StringComparer.Ordinal);
        if (!plants.TryGetValue(r.PlantId, out var plant))
        {
            plant = await generator.PlantAsync(r.PlantId, ct);
            plants[r.PlantId] = plant;
        }

        var tz = plant?.TimeZone ?? TimeZoneInfo.Utc;
        var scopeName = r.LineId is { } lid ? plant?.Lines.FirstOrDefault(l => l.Id == lid)?.Name ?? lid : plant?.Name ?? r.PlantId;
        var revisions = await generator.Store.RevisionsAsync(r.SeriesKey, ct);
        var self = $"/api/reports/{r.Id}";
        var s = r.Summary;
        return new ReportItem(r.Id, ReportStore.KindName(r.Kind), r.PlantId, r.LineId, scopeName, r.ShiftName, r.Day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            r.From, r.To, Local(tz, r.From), Local(tz, r.To), r.Revision, r.Revision > 1, r.Changes, r.Status, r.Error, r.RequestedAt, r.GeneratedAt, r.Trigger,
            r.Completeness, s?.Oee, s?.Availability, s?.Performance, s?.Quality, s?.Teep, s?.GoodCount, s?.RejectCount, r.FileName, r.EmailedAt, r.EmailError,
            new ReportLinks(self, self + "/pdf", self + "/csv", self + "/stops.csv", self + "/orders.csv"),
            revisions.Select(x => new ReportRevisionRef(x.Id, x.Revision, x.GeneratedAt, x.Status)).ToList());
    }

    private static string Local(TimeZoneInfo tz, DateTimeOffset t) =>
        TimeZoneInfo.ConvertTime(t, tz).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string? Opt(Microsoft.Extensions.Primitives.StringValues v) => v.ToString() is { Length: > 0 } s ? s : null;

    private static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: title, detail: detail);
}

/// <summary>
/// Big reports requested through the API: stored as pending and made here in the background, one at a time; pending
/// ones left by a stopped API process are picked up at start (another API instance making one at the same time is
/// harmless: the series lock and the pending id make it once).
/// </summary>
internal sealed class ReportQueue(ReportGenerator generator, TimeProvider time, ILogger<ReportQueue> logger) : BackgroundService
{
    private readonly Channel<(ReportTarget Target, Guid Id)> _work = Channel.CreateUnbounded<(ReportTarget, Guid)>();

    public async Task<StoredReport> EnqueueAsync(ReportTarget target, CancellationToken ct)
    {
        var store = generator.Store;
        var now = time.GetUtcNow();
        for (var attempt = 0; ; attempt++)
        {
            var latest = await store.LatestAsync(target.SeriesKey, ct);
            if (latest is { Status: "pending" })
            {
                return latest;
            }

            var revision = (latest?.Revision ?? 0) + 1;
            var pending = new StoredReport(Guid.CreateVersion7(), target.SeriesKey, revision, target.Span.Kind, target.PlantId, target.LineId, target.Span.ShiftName,
                target.Span.Day, target.Span.From, target.Span.To, "pending", null, "request", now, null, null, null, null, [], target.Span.FileBase(target.ScopeId, revision), null, null);
            if (await store.TryInsertAsync(pending, null, ct))
            {
                await _work.Writer.WriteAsync((target, pending.Id), ct);
                return pending;
            }

            if (attempt > 5)
            {
                throw new InvalidOperationException($"could not queue report {target.SeriesKey}: revisions keep changing");
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var p in await generator.Store.PendingAsync(time.GetUtcNow(), stoppingToken))
            {
                if (await generator.PlantAsync(p.PlantId, stoppingToken) is { } plant)
                {
                    var line = p.LineId is null ? null : plant.Lines.FirstOrDefault(l => l.Id == p.LineId);
                    var span = p.Kind switch
                    {
                        ReportKind.Shift => ReportPeriods.Shift(plant.Calendar, p.Day!.Value, p.ShiftName!).Span,
                        ReportKind.Day => ReportPeriods.Day(plant.TimeZone, p.Day!.Value),
                        ReportKind.Week => ReportPeriods.Week(plant.TimeZone, p.Day!.Value),
                        _ => ReportPeriods.Range(p.From, p.To),
                    };
                    if (span is not null && (p.LineId is null || line is not null))
                    {
                        await _work.Writer.WriteAsync((new ReportTarget(plant, line, span), p.Id), stoppingToken);
                        continue;
                    }
                }

                await generator.Store.FailAsync(p.Id, "its plant, line or shift is no longer configured", stoppingToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning("Could not pick up pending reports: {Error}", ex.Message);
        }

        await foreach (var (target, id) in _work.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await generator.GenerateAsync(target, "request", waitForLock: true, pendingId: id, ct: stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Queued report {Series} failed", target.SeriesKey);
            }
        }
    }
}
