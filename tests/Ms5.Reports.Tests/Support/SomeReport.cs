using Ms5.Analytics.Events;
using Ms5.Analytics.Oee;
using Ms5.Analytics.Reports;
using static Ms5.Reports.Tests.Support.ShiftSimulator;

namespace Ms5.Reports.Tests.Support;

/// <summary>
/// Report documents for tests and the docs sample, built by the real <see cref="ReportBuilder"/> from simulated
/// machine states: the early shift of Tue 2026-11-17 in Hamburg (06:00–14:00 CET, 05:00–13:00 UTC), with breaks
/// 09:00–09:15, 11:30–12:00 and 13:15–13:30.
/// </summary>
internal static class SomeReport
{
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    public static readonly DateTimeOffset From = new(2026, 11, 17, 5, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset To = From.AddHours(8);

    public const string PlantName = "Hamburg bottling plant";
    public const string ChangeLine = "Filler F-101: 14 late part counts from 10:02–10:14 added after a gateway backlog; OEE 74.6 % → 74.8 %";

    private static readonly string[] Types = ["Depalletizer", "Rinser", "Filler", "Capper", "Labeller", "Inspector", "Case packer", "Palletizer"];
    private static readonly string[] Reasons = ["jam", "electrical fault", "material shortage", "sensor fault", "quality check"];

    /// <summary>
    /// The standard worked example as a line report: one filler, 480-minute shift, 60 minutes of breaks, 47 minutes
    /// down (35 unplanned in two stops, a 12-minute changeover), ideal cycle 1.0 s, 19,271 parts of which 423 rejects:
    /// A 88.8 %, P 86.1 %, Q 97.8 %, OEE 74.8 %.
    /// </summary>
    public static ReportDocument WorkedExample(int revision = 2, double completeness = 1.0)
    {
        var t = new Timeline("filler-101", From)
            .Add(MachineState.Running, 70)
            .Add(MachineState.Down, 22, "electrical fault")
            .Add(MachineState.Running, 33).MicroStop(90).Add(MachineState.Running, 33.5).MicroStop(60).Add(MachineState.Running, 19)
            .Add(MachineState.PlannedStop, 15, "break")
            .Add(MachineState.Running, 35).MicroStop(75).Add(MachineState.Running, 48.75)
            .Add(MachineState.Setup, 12, "changeover")
            .Add(MachineState.Running, 18).MicroStop(45).Add(MachineState.Running, 19.25)
            .Add(MachineState.PlannedStop, 30, "lunch")
            .Add(MachineState.Running, 20).MicroStop(80).Add(MachineState.Running, 28 + 2 / 3.0)
            .Add(MachineState.Down, 13, "material shortage")
            .Add(MachineState.Running, 12)
            .Add(MachineState.PlannedStop, 15, "break")
            .Add(MachineState.Running, 30);
        var run = new Run("filler-101", t.Spans, 1.0, 19_271, 423, 38,
            [(From, "Cola 0.5 l"), (From.AddMinutes(4 * 60 + 52), "Cola 1.0 l")]);
        var machines = new[] { new ReportMachine("filler-101", "Filler F-101", "line-1") };
        return Build(machines, [run], "line-1", "Packaging line 1", revision, completeness,
            previous: Scaled(Measure(run, From, To).Total, 0.97, 0.99), weekAgo: Scaled(Measure(run, From, To).Total, 1.01, 0.97));
    }

    /// <summary>A line report with <paramref name="machines"/> machines, each with its own stops, speed and rejects (fixed seed).</summary>
    public static ReportDocument Line(int machines, int revision = 2, double completeness = 1.0, int seed = 7) =>
        Many(machines, lineId: "line-1", lineName: "Packaging line 1", revision, completeness, seed);

    /// <summary>A plant report (no line) over <paramref name="machines"/> machines in lines of 40.</summary>
    public static ReportDocument Plant(int machines, int revision = 1, int seed = 11) =>
        Many(machines, lineId: null, lineName: null, revision, 1.0, seed);

    private static ReportDocument Many(int count, string? lineId, string? lineName, int revision, double completeness, int seed)
    {
        var machines = Enumerable.Range(1, count)
            .Select(i => new ReportMachine($"m-{i:000}", $"{Types[(i - 1) % Types.Length]} {i:000}", lineId ?? $"line-{(i - 1) / 40 + 1:00}"))
            .ToList();
        var runs = machines.Select((m, i) => Simulate(m.MachineId, new Random(seed * 1000 + i))).ToList();
        var total = OeeComponents.Sum(runs.Select(r => Measure(r, From, To).Total));
        return Build(machines, runs, lineId, lineName, revision, completeness, Scaled(total, 0.96, 1.0), Scaled(total, 1.02, 0.98));
    }

    /// <summary>One machine's shift: running with micro-stops, a few longer stops, sometimes a changeover, the plant's breaks.</summary>
    private static Run Simulate(string machineId, Random r)
    {
        var t = new Timeline(machineId, From);
        // Minutes from 06:00: breaks at 09:00, 11:30 and 13:15.
        (double Start, double Minutes, string Reason)[] breaks = [(180, 15, "break"), (330, 30, "lunch"), (435, 15, "break")];
        var products = new List<(DateTimeOffset, string)> { (From, r.Next(3) == 0 ? "Water 1.5 l" : "Cola 0.5 l") };
        var changed = false;
        while (t.Now < To)
        {
            var at = (t.Now - From).TotalMinutes;
            var brk = breaks.FirstOrDefault(b => at >= b.Start && at < b.Start + b.Minutes);
            if (brk.Reason is not null)
            {
                t.Add(MachineState.PlannedStop, brk.Start + brk.Minutes - at, brk.Reason);
                continue;
            }

            var next = breaks.Select(b => b.Start).Where(s => s > at).DefaultIfEmpty(480).Min();
            var runFor = Math.Min(r.Next(8, 70), next - at);
            t.Add(MachineState.Running, runFor);
            at += runFor;
            if (at >= next || at >= 480)
            {
                continue;
            }

            var roll = r.NextDouble();
            var room = Math.Min(next, 480) - at;
            if (roll < 0.6)
            {
                t.MicroStop(Math.Min(r.Next(20, 110), room * 60));
            }
            else if (roll < 0.85)
            {
                t.Add(MachineState.Down, Math.Min(r.Next(3, 26), room), Reasons[r.Next(Reasons.Length)]);
            }
            else if (roll < 0.93 && !changed)
            {
                changed = true;
                products.Add((t.Now, "Cola 1.0 l"));
                t.Add(MachineState.Setup, Math.Min(r.Next(8, 22), room), "changeover");
            }
            else if (roll < 0.97)
            {
                t.Add(MachineState.Idle, Math.Min(r.Next(4, 11), room), "no operator");
            }
            else
            {
                t.Add(MachineState.Offline, Math.Min(r.Next(5, 20), room));
            }
        }

        var cycle = new[] { 0.8, 1.0, 1.5, 2.0, 3.0 }[r.Next(5)];
        var running = t.Spans.Where(s => s.State == MachineState.Running).Sum(s => (s.End!.Value - s.Start).TotalSeconds);
        var produced = (long)(running * (0.86 + r.NextDouble() * 0.12) / cycle);
        var rejects = (long)(produced * (0.004 + r.NextDouble() * 0.03));
        return new Run(machineId, t.Spans, cycle, produced, rejects, changed ? rejects / 8 : 0, products);
    }

    private static ReportDocument Build(IReadOnlyList<ReportMachine> machines, IReadOnlyList<Run> runs, string? lineId, string? lineName,
        int revision, double completeness, OeeComponents previous, OeeComponents weekAgo)
    {
        var measured = runs.Select(r => (r.MachineId, Result: Measure(r, From, To))).ToList();
        var byHour = Enumerable.Range(0, 8).ToDictionary(h => h, h => OeeComponents.Sum(measured.Select(m => m.Result.ByHour[h])));
        var products = measured.SelectMany(m => m.Result.ByProduct)
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .Select(g => new ProductRow(g.Key, g.Sum(p => p.Value.Good), g.Sum(p => p.Value.Reject)))
            .ToList();
        if (products.Count > 0)
        {
            // Parts a machine counted before its first state event named a product.
            var first = products[0];
            var unnamed = Math.Max(1, first.Good / 50);
            products[0] = first with { Good = first.Good - unnamed };
            products.Add(new ProductRow(null, unnamed, 0));
        }

        var header = new ReportHeader(ReportKind.Shift, "hamburg", PlantName, lineId, lineName, "early", new DateOnly(2026, 11, 17),
            From, To, Berlin, To.AddMinutes(7), revision, completeness, revision > 1 ? [ChangeLine, "Filler F-101: reason of the 12:50 stop set to “material shortage” by the shift lead"] : []);
        var inputs = new ReportInputs(
            header, machines, measured.ToDictionary(m => m.MachineId, m => m.Result.Total, StringComparer.Ordinal),
            ReportBuilder.Hours(From, To, byHour),
            KpiSet.Of(From.AddHours(-8), From, previous), KpiSet.Of(From.AddDays(-7), To.AddDays(-7), weekAgo),
            runs.SelectMany(r => r.States).ToList(), Losses, products, Andons(machines), To.AddMinutes(7));
        return ReportBuilder.Build(inputs);
    }

    private static List<AndonRow> Andons(IReadOnlyList<ReportMachine> machines)
    {
        var m = machines.Select(x => x.MachineId).ToList();
        return
        [
            new("long-stop", m[0], "critical", "Stopped for 22 min: electrical fault", From.AddMinutes(80), TimeSpan.FromSeconds(95), TimeSpan.FromMinutes(14.5), 2),
            new("reject-rate", m[m.Count / 2], "warning", "Reject rate 4.1 % over the last 30 minutes", From.AddMinutes(200), TimeSpan.FromMinutes(3.2), TimeSpan.FromMinutes(26), 1),
            new("oee-below-target", m[^1], "warning", "OEE 61 % over the last hour, target 75 %", From.AddMinutes(455), null, null, 1),
        ];
    }

    /// <summary>Another span's components: planned time as this one, run and parts scaled.</summary>
    private static OeeComponents Scaled(OeeComponents c, double run, double quality) => c with
    {
        RunSeconds = Math.Min(c.PlannedSeconds, c.RunSeconds * run),
        IdealSeconds = Math.Round(c.IdealSeconds * run),
        GoodCount = (long)Math.Round(c.GoodCount * run * quality),
        RejectCount = (long)Math.Round(c.RejectCount * run * (2 - quality)),
        UnplannedStopSeconds = c.PlannedSeconds - c.SetupSeconds - Math.Min(c.PlannedSeconds, c.RunSeconds * run),
    };
}
