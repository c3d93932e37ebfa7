using System.Collections.Frozen;

namespace Ms5.Analytics.Oee;

/// <summary>
/// A machine's ideal cycle time (ISO 22400: the fastest sustainable time per part), by product where the
/// plant configures one, else the machine's default. The product comes from the machine's state events
/// (contract field <c>product</c>); an unknown or missing product uses <see cref="Default"/>.
/// </summary>
public sealed record IdealCycle(TimeSpan Default, IReadOnlyDictionary<string, TimeSpan> ByProduct)
{
    public static readonly IReadOnlyDictionary<string, TimeSpan> NoProducts = FrozenDictionary<string, TimeSpan>.Empty;

    public TimeSpan For(string? product) =>
        product is not null && ByProduct.TryGetValue(product, out var t) ? t : Default;

    /// <summary>One ideal cycle time for every product.</summary>
    public static implicit operator IdealCycle(TimeSpan single) => new(single, NoProducts);
}
