namespace Ms5.Analytics.Anomalies;

/// <summary>
/// How the downtime baseline is fitted. The defaults aim at "a normal stop is rarely flagged" (at most about one
/// false flag per machine and week at a few hundred stops a week), not at catching every mildly long stop:
/// <list type="bullet">
/// <item><see cref="K"/> = 3: a stop is long when ln(duration) lies more than 3 robust standard deviations above
/// its context's median. For log-normal durations that flags 0.13 % of normal stops (1 in 740); for right-skewed
/// repair times such as exponential ones (whose log is skewed left) almost none (1 in 4 million, the threshold lying
/// at 22 × the median, 15 × the mean, with <see cref="UpperHalfMad"/>). 2.5, the usual "moderately conservative"
/// choice, flags 0.6 % of log-normal stops: several a machine a week at the stop counts plants have.</item>
/// <item><see cref="UpperHalfMad"/>: the spread is measured on the side long stops lie on, so a context with many very
/// short stops (a long left tail in log space) does not push its threshold up; equal to the MAD when symmetric.</item>
/// <item><see cref="MinLogSpread"/> = 0.2: a context whose stops all last about as long (MAD near 0) still needs
/// e^(3 · 0.2) ≈ 1.8 × its median before a stop counts as long.</item>
/// <item><see cref="BurstQuantile"/> = 0.999, at least <see cref="MinBurstBound"/> = 2 stops: with some 120 production
/// hours a week and the hour checked at every stop, a 1-in-1000 tail keeps false bursts rare.</item>
/// <item><see cref="RatePriorHours"/> = 4: an hour of the week is seen only 4 times in 28 days, so its rate is shrunk
/// toward the machine's rate at that hour of day over all days, weighted as 4 more hours.</item>
/// </list>
/// </summary>
public sealed record BaselineOptions
{
    /// <summary>A context needs this many stops to have a threshold; with fewer the next wider context is used.</summary>
    public int MinSamples { get; init; } = 20;

    /// <summary>The threshold in robust standard deviations of ln(duration) above the median.</summary>
    public double K { get; init; } = 3.0;

    /// <summary>Spread from the upper half's MAD (true) or the plain MAD (false).</summary>
    public bool UpperHalfMad { get; init; } = true;

    /// <summary>The least spread (σ of ln duration) a context is given.</summary>
    public double MinLogSpread { get; init; } = 0.2;

    /// <summary>The Poisson quantile of an hour's expected stops above which a count is a burst.</summary>
    public double BurstQuantile { get; init; } = 0.999;

    /// <summary>The least burst bound: this many stops in an hour are never a burst.</summary>
    public int MinBurstBound { get; init; } = 2;

    /// <summary>Weight, in hours, of the machine's hour-of-day rate in each hour-of-week rate (0: the hour-of-week mean alone).</summary>
    public double RatePriorHours { get; init; } = 4;

    public static BaselineOptions Default { get; } = new();

    /// <summary>Throws naming the first setting out of range.</summary>
    public void Validate()
    {
        Check(MinSamples >= 1, nameof(MinSamples), MinSamples, "must be at least 1");
        Check(K > 0 && double.IsFinite(K), nameof(K), K, "must be a positive number");
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
