namespace Ms5.Analytics.Anomalies;

/// <summary>The small statistics the baseline needs, written out so their exact definitions are known.</summary>
public static class RobustStats
{
    /// <summary>σ of a normal distribution per unit of MAD: 1 / Φ⁻¹(3/4).</summary>
    public const double MadToSigma = 1.4826;

    /// <summary>The middle value; the mean of the two middle values for an even count. Needs at least one value.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("the median of no values is undefined", nameof(values));
        }

        var s = values.Order().ToArray();
        var mid = s.Length / 2;
        return s.Length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    /// <summary>Median absolute deviation from the median (unscaled).</summary>
    public static double Mad(IReadOnlyList<double> values)
    {
        var m = Median(values);
        return Median(values.Select(v => Math.Abs(v - m)).ToArray());
    }

    /// <summary>
    /// The upper half's MAD ("double MAD"): the median of v − median over the values at or above the median. For a
    /// symmetric distribution it equals <see cref="Mad"/>; for a skewed one it measures the side a long stop is on.
    /// </summary>
    public static double UpperMad(IReadOnlyList<double> values)
    {
        var m = Median(values);
        return Median(values.Where(v => v >= m).Select(v => v - m).ToArray());
    }

    /// <summary>
    /// The empirical <paramref name="p"/>-quantile with linear interpolation between order statistics (Hyndman–Fan
    /// type 7, as numpy's and Excel's PERCENTILE.INC): h = (n − 1)·p, x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋+1 − x⌊h⌋).
    /// </summary>
    public static double Quantile(IReadOnlyList<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0 || p is < 0 or > 1 || double.IsNaN(p))
        {
            throw new ArgumentException("needs at least one value and 0 <= p <= 1");
        }

        var s = values.Order().ToArray();
        var h = (s.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        return lo + 1 < s.Length ? s[lo] + ((h - lo) * (s[lo + 1] - s[lo])) : s[lo];
    }

    /// <summary>The smallest k with P(X ≤ k) ≥ <paramref name="p"/> for X ~ Poisson(<paramref name="mean"/>).</summary>
    public static int PoissonQuantile(double mean, double p)
    {
        if (mean < 0 || mean > 500 || double.IsNaN(mean) || p is < 0 or > 0.999999 || double.IsNaN(p))
        {
            throw new ArgumentOutOfRangeException(nameof(mean), $"needs 0 <= mean <= 500 and 0 <= p <= 0.999999; got mean {mean}, p {p}");
        }

        var pmf = Math.Exp(-mean);
        var cdf = pmf;
        var k = 0;
        while (cdf < p)
        {
            k++;
            pmf *= mean / k;
            cdf += pmf;
        }

        return k;
    }
}
