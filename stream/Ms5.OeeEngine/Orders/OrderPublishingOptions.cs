using Ms5.Kafka;
using Ms5.ServiceDefaults;

namespace Ms5.OeeEngine.Orders;

/// <summary>Production orders in the engine host (section "Stream:Orders", e.g. Stream__Orders__ProgressInterval=00:00:15).</summary>
public sealed class OrderPublishingOptions : ISelfValidatingOptions
{
    public const string Section = "Stream:Orders";

    /// <summary>Where lifecycle changes (the order_history outbox) and progress messages are published.</summary>
    public string Topic { get; set; } = Topics.Orders;

    /// <summary>How often the outbox is read for unpublished history rows.</summary>
    public TimeSpan OutboxInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a progress message is published for every running order.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the released and running orders of a machine are cached for the automatic start.</summary>
    public TimeSpan CacheRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Off: a state event's product starts nothing (orders are then started through the API only).</summary>
    public bool AutoStart { get; set; } = true;

    /// <summary>At most this many outbox rows per publication.</summary>
    public int BatchSize { get; set; } = 500;

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Topic))
        {
            yield return $"{Section}:Topic must not be empty";
        }

        if (OutboxInterval < TimeSpan.FromMilliseconds(100) || OutboxInterval > TimeSpan.FromMinutes(1))
        {
            yield return $"{Section}:OutboxInterval must be from 00:00:00.1 to 00:01:00; got {OutboxInterval}";
        }

        if (ProgressInterval < TimeSpan.FromSeconds(1) || ProgressInterval > TimeSpan.FromHours(1))
        {
            yield return $"{Section}:ProgressInterval must be from 00:00:01 to 01:00:00; got {ProgressInterval}";
        }

        if (CacheRefresh < TimeSpan.Zero || CacheRefresh > TimeSpan.FromMinutes(5))
        {
            yield return $"{Section}:CacheRefresh must be from 00:00:00 to 00:05:00; got {CacheRefresh}";
        }

        if (BatchSize is < 1 or > 10_000)
        {
            yield return $"{Section}:BatchSize must be from 1 to 10000; got {BatchSize}";
        }
    }
}
