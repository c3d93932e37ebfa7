using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.Analytics.Reports;

namespace Ms5.Reports.Tests.Support;

/// <summary>
/// Turns a machine's states over a span into what the report builder reads: components per hour and in all, and
/// parts per product. Counts are spread over the time the machine really ran (micro-stops excluded) by largest
/// remainder, so every sum is exact and the hours add up to the whole.
/// </summary>
internal static class ShiftSimulator
{
    public static readonly LossClassifier Losses = new(new Dictionary<string, ReasonCategory>(StringComparer.Ordinal)
    {
        ["break"] = ReasonCategory.Planned,
        ["lunch"] = ReasonCategory.Planned,
        ["changeover"] = ReasonCategory.Setup,
        ["jam"] = ReasonCategory.Unplanned,
        ["electrical fault"] = ReasonCategory.Unplanned,
        ["material shortage"] = ReasonCategory.Unplanned,
        ["no operator"] = ReasonCategory.Idle,
        ["sensor fault"] = ReasonCategory.Unplanned,
        ["quality check"] = ReasonCategory.Unplanned,
    }, OeeSettings.Default);

    /// <summary>A machine's simulated span: its states, parts and how many of the rejects were start-up rejects.</summary>
    public sealed record Run(string MachineId, IReadOnlyList<StateSpan> States, double IdealCycleSeconds, long Produced, long Rejects, long StartupRejects, IReadOnlyList<(DateTimeOffset From, string Product)> Products);

    public sealed record Result(OeeComponents Total, IReadOnlyDictionary<int, OeeComponents> ByHour, IReadOnlyDictionary<string, (long Good, long Reject)> ByProduct);

    public static Result Measure(Run run, DateTimeOffset from, DateTimeOffset to)
    {
        var hours = (int)Math.Ceiling((to - from).TotalHours);
        var byHour = new OeeComponents[hours];
        // Pieces of productive running time, each inside one hour and one product: where parts are made.
        var pieces = new List<(int Hour, string Product, double Seconds)>();
        var failures = new long[hours];
        foreach (var s in run.States)
        {
            var a = s.Start > from ? s.Start : from;
            var b = s.End is { } e && e < to ? e : to;
            if (b <= a)
            {
                continue;
            }

            var category = Losses.Classify(s.State, s.Reason, s.End - s.Start);
            if (category == LossCategory.Unplanned && s.Start >= from)
            {
                failures[(int)((s.Start - from).TotalHours)]++;
            }

            for (var h = (int)((a - from).TotalHours); h < hours && from.AddHours(h) < b; h++)
            {
                var ha = from.AddHours(h) > a ? from.AddHours(h) : a;
                var hb = from.AddHours(h + 1) < b ? from.AddHours(h + 1) : b;
                var o = (hb - ha).TotalSeconds;
                if (o <= 0)
                {
                    continue;
                }

                var c = byHour[h];
                byHour[h] = category switch
                {
                    LossCategory.Run => c with { RunSeconds = c.RunSeconds + o },
                    LossCategory.MicroStop => c with { RunSeconds = c.RunSeconds + o, MicroStopSeconds = c.MicroStopSeconds + o },
                    LossCategory.Setup => c with { SetupSeconds = c.SetupSeconds + o },
                    LossCategory.PlannedStop => c with { PlannedStopSeconds = c.PlannedStopSeconds + o },
                    _ => c with { UnplannedStopSeconds = c.UnplannedStopSeconds + o },
                };
                if (category == LossCategory.Run)
                {
                    pieces.Add((h, ProductAt(run, ha), o));
                }
            }
        }

        var produced = Spread(run.Produced, pieces.Select(p => p.Seconds).ToList());
        var rejects = Spread(run.Rejects, pieces.Select(p => p.Seconds).ToList());
        var startup = Spread(run.StartupRejects, pieces.Select(p => p.Seconds).ToList());
        var byProduct = new Dictionary<string, (long Good, long Reject)>(StringComparer.Ordinal);
        for (var i = 0; i < pieces.Count; i++)
        {
            var (h, product, _) = pieces[i];
            var rej = Math.Min(rejects[i], produced[i]);
            var c = byHour[h];
            byHour[h] = c with
            {
                GoodCount = c.GoodCount + produced[i] - rej,
                RejectCount = c.RejectCount + rej,
                StartupRejectCount = c.StartupRejectCount + Math.Min(startup[i], rej),
                IdealSeconds = c.IdealSeconds + produced[i] * run.IdealCycleSeconds,
            };
            var p = byProduct.GetValueOrDefault(product);
            byProduct[product] = (p.Good + produced[i] - rej, p.Reject + rej);
        }

        for (var h = 0; h < hours; h++)
        {
            var hourEnd = from.AddHours(h + 1) < to ? from.AddHours(h + 1) : to;
            var calendar = (hourEnd - from.AddHours(h)).TotalSeconds;
            byHour[h] = byHour[h] with
            {
                CalendarSeconds = calendar,
                PlannedSeconds = calendar - byHour[h].PlannedStopSeconds,
                FailureCount = failures[h],
            };
        }

        return new Result(OeeComponents.Sum(byHour), Enumerable.Range(0, hours).ToDictionary(h => h, h => byHour[h]), byProduct);
    }

    private static string ProductAt(Run run, DateTimeOffset t) =>
        run.Products.LastOrDefault(p => p.From <= t).Product ?? "";

    /// <summary>Splits a whole number over weights, largest remainder first: the parts always add up to <paramref name="total"/>.</summary>
    private static long[] Spread(long total, IReadOnlyList<double> weights)
    {
        var sum = weights.Sum();
        var parts = new long[weights.Count];
        if (sum <= 0 || total <= 0)
        {
            return parts;
        }

        var exact = weights.Select(w => total * w / sum).ToArray();
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = (long)Math.Floor(exact[i]);
        }

        var left = total - parts.Sum();
        foreach (var i in Enumerable.Range(0, parts.Length).OrderByDescending(i => exact[i] - parts[i]).ThenBy(i => i).Take((int)left))
        {
            parts[i]++;
        }

        return parts;
    }

    /// <summary>Builds a machine's states minute by minute from (state, minutes, reason) steps, micro-stops as (Down, seconds).</summary>
    public sealed class Timeline(string machineId, DateTimeOffset start)
    {
        private readonly List<StateSpan> _spans = [];

        public DateTimeOffset Now { get; private set; } = start;

        public IReadOnlyList<StateSpan> Spans => _spans;

        public Timeline Add(MachineState state, double minutes, string? reason = null)
        {
            var end = Now.AddSeconds(Math.Round(minutes * 60));
            if (_spans.Count > 0 && _spans[^1].State == state && _spans[^1].Reason == reason)
            {
                _spans[^1] = _spans[^1] with { End = end };
            }
            else
            {
                _spans.Add(new StateSpan(machineId, state, reason, Now, end));
            }

            Now = end;
            return this;
        }

        public Timeline MicroStop(double seconds, string reason = "jam") => Add(MachineState.Down, seconds / 60, reason);
    }
}
