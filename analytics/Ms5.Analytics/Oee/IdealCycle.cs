using System.Collections.Frozen;

namespace Ms5.Analytics.Oee;

/// <summary>
/// A machine's ideal cycle time (ISO 22400: the fastest sustainable time per part), by product where the
/// plant configures one, else the machine's default. The product comes from the machine's state events
/// (contract field <c>product</c>); an unknown or missing product uses <see cref="Default"/>.
/// <see cref="History"/> holds the values that applied earlier (plant file <c>idealCycleHistory</c>): a count is
/// valued with the ideal cycle time in force at its event time, so changing the ideal cycle time never rewrites
/// minutes before the change, even when late data makes the engine recompute them.
/// </summary>
public sealed record IdealCycle(TimeSpan Default, IReadOnlyDictionary<string, TimeSpan> ByProduct)
{
    public static readonly IReadOnlyDictionary<string, TimeSpan> NoProducts = FrozenDictionary<string, TimeSpan>.Empty;

    /// <summary>Earlier values, ascending by <see cref="IdealCyclePeriod.Until"/>; each applied before its <c>Until</c> and at or after the previous one's.</summary>
    public IReadOnlyList<IdealCyclePeriod> History { get; init; } = [];

    /// <summary>The current value (ignores <see cref="History"/>).</summary>
    public TimeSpan For(string? product) =>
        product is not null && ByProduct.TryGetValue(product, out var t) ? t : Default;

    /// <summary>The value in force at <paramref name="ts"/>: the first history period ending after it, else the current one.</summary>
    public TimeSpan For(string? product, DateTimeOffset ts)
    {
        foreach (var p in History)
        {
            if (ts < p.Until)
            {
                return product is not null && p.ByProduct.TryGetValue(product, out var t) ? t : p.Default;
            }
        }

        return For(product);
    }

    /// <summary>One ideal cycle time for every product.</summary>
    public static implicit operator IdealCycle(TimeSpan single) => new(single, NoProducts);
}

/// <summary>Ideal cycle times that applied before <see cref="Until"/> (half-open: <c>[previous Until, Until)</c>).</summary>
public sealed record IdealCyclePeriod(DateTimeOffset Until, TimeSpan Default, IReadOnlyDictionary<string, TimeSpan> ByProduct);
