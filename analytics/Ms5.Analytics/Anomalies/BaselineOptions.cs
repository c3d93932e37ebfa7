namespace Ms5.Analytics.Anomalies;

/// <summary>
/// How the downtime baseline is fitted. The defaults aim at "a normal stop is rarely flagged" (a few false flags per
/// hundred machine-weeks at a few hundred stops a week) while catching a stop that lasts about ten times its usual:
/// <list type="bullet">
/// <item><see cref="TailProbability"/> = 0.001: a context's threshold is where one normal stop in a thousand would last
/// longer. Repair-like stop lengths are Weibull-like (exponential repairs are shape 1, mixtures of causes heavier),
/// so the threshold is median × (ln(1/α) / ln 2)^(1/shape) with the shape measured on the plant's own stops of that
/// category (<see cref="TailShape"/>): 10 × the median for exponential repairs, more for heavier tails, less for
/// stops that all last about as long. The shape comes from the pooled 50 % and 95 % points of stop length over the
/// context's median, so a few anomalies in the training window (under a few per cent) barely move it, where a
/// fitted 99.9 % point would sit on them.</item>
/// <item><see cref="MinLogSpread"/> = 0.2 and <see cref="UpperHalfMad"/>: the robust spread of ln(duration), kept for
/// the explanation's "normally" range and as a floor: no threshold is below exp(median + 3 · spread).</item>
/// <item><see cref="BurstQuantile"/> = 0.999, at least <see cref="MinBurstBound"/> = 2 stops: with some 120 production
/// hours a week and the hour checked at every stop, a 1-in-1000 tail keeps false bursts rare.</item>
/// <item><see cref="RatePriorHours"/> = 4: an hour of the week is seen only 4 times in 28 days, so its rate is shrunk
/// toward the machine's rate at that hour of day over all days, weighted as 4 more hours.</item>
/// <item><see cref="ShiftQuantile"/> = 0.9995: stops piling up over a shift are judged against the Poisson tail of the
/// machine's expected stops for the shift so far (the sum of its hour-of-week rates); once per machine and shift.</item>
/// </list>
/// </summary>
public sealed record BaselineOptions
{
    /// <summary>A context needs this many stops to have a threshold; with fewer the next wider context is used.</summary>
    public int MinSamples { get; init; } = 20;

    /// <summary>The share of a context's normal stops expected to last longer than its threshold (α).</summary>
    public double TailProbability { get; init; } = 0.001;

    /// <summary>The least stops of a category pooled to measure its tail shape; with fewer, all categories are pooled, and with fewer still shape 1 (exponential) is assumed.</summary>
    public int MinShapeSamples { get; init; } = 200;

    /// <summary>Spread from the upper half's MAD (true) or the plain MAD (false).</summary>
    public bool UpperHalfMad { get; init; } = true;

    /// <summary>The least spread (σ of ln duration) a context is given.</summary>
    public double MinLogSpread { get; init; } = 0.2;

    /// <summary>The Poisson quantile of an hour's expected stops above which a count is a burst.</summary>
    public double BurstQuantile { get; init; } = 0.9999;

    /// <summary>The least burst bound: this many stops in an hour are never a burst.</summary>
    public int MinBurstBound { get; init; } = 2;

    /// <summary>The Poisson quantile of the machine's expected stops in the shift so far above which stops pile up.</summary>
    public double ShiftQuantile { get; init; } = 0.9999;

    /// <summary>The least count over a shift that can be a pile-up.</summary>
    public int MinShiftBound { get; init; } = 6;

    /// <summary>Weight, in hours, of the machine's hour-of-day rate in each hour-of-week rate (0: the hour-of-week mean alone).</summary>
    public double RatePriorHours { get; init; } = 4;

    public static BaselineOptions Default { get; } = new();

    /// <summary>Throws naming the first setting out of range.</summary>
    public void Validate()
    {
        Check(MinSamples >= 1, nameof(MinSamples), MinSamples, "must be at least 1");
        Check(TailProbability is > 0 and < 0.5, nameof(TailProbability), TailProbability, "must be in (0, 0.5)");
        Check(MinShapeSamples >= 1, nameof(MinShapeSamples), MinShapeSamples, "must be at least 1");
        Check(ShiftQuantile is > 0.5 and <= 0.999999, nameof(ShiftQuantile), ShiftQuantile, "must be in (0.5, 0.999999]");
        Check(MinShiftBound >= 1, nameof(MinShiftBound), MinShiftBound, "must be at least 1");
        Check(MinLogSpread > 0 && double.IsFinite(MinLogSpread), nameof(MinLogSpread), MinLogSpread, "must be a positive number");
        Check(BurstQuantile is > 0.5 and <= 0.999999, nameof(BurstQuantile), BurstQuantile, "must be in (0.5, 0.999999]");
        Check(MinBurstBound >= 1, nameof(MinBurstBound), MinBurstBound, "must be at least 1");
        Check(RatePriorHours >= 0 && double.IsFinite(RatePriorHours), nameof(RatePriorHours), RatePriorHours, "must not be negative");
    }

    private static void Check(bool ok, string name, double value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException(FormattableString.Invariant($"BaselineOptions.{name} {rule}; got {value}"), name);
        }
    }
}
