using Ms5.Ml;
using Microsoft.Extensions.Options;
using Ms5.Analytics.Events;
using Ms5.Kafka;
using Ms5.Postgres;
using Ms5.Reports;
using Ms5.ServiceDefaults;

namespace Ms5.Api;

/// <summary>Kafka is optional at start: the API serves reads while the broker is away and says so in /readyz.</summary>
internal sealed class KafkaConnection(IServiceProvider services, ApiOptions options) : IDisposable
{
    private readonly Lazy<(KafkaOptions Options, EventProducer Producer)> _kafka = new(() =>
    {
        var shared = services.GetRequiredService<KafkaOptions>();
        // A gateway waits for the answer: report "failed, retry" after this long rather than hang.
        var o = new KafkaOptions { BootstrapServers = shared.BootstrapServers, DevBrokerUrl = shared.DevBrokerUrl, DeliveryTimeout = options.IngestDeliveryTimeout };
        return (o, new EventProducer(o, "ms5-api"));
    });

    public KafkaOptions Options => _kafka.Value.Options;

    /// <summary>Where Andon transitions made through the API are published.</summary>
    public string AndonTopic => options.AndonTopic;
    public EventProducer Producer => _kafka.Value.Producer;

    private long _reachableUntil;

    /// <summary>
    /// Whether Kafka answers a metadata request for <paramref name="topic"/> within a few seconds (a success is
    /// trusted for a second): HTTP ingest asks before producing anything, so an unreachable Kafka means a clear
    /// 503 with nothing accepted, not a request half produced after the delivery timeout.
    /// </summary>
    public async Task<string?> UnreachableBecauseAsync(string topic, TimeProvider time)
    {
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _reachableUntil))
        {
            return null;
        }

        try
        {
            await Task.Run(() =>
            {
                using var admin = new Confluent.Kafka.DependentAdminClientBuilder(Producer.Inner.Handle).Build();
                var meta = admin.GetMetadata(topic, TimeSpan.FromSeconds(3));
                if (meta.Brokers.Count == 0)
                {
                    throw new InvalidOperationException("no broker answered");
                }
            });
            Interlocked.Exchange(ref _reachableUntil, (time.GetUtcNow() + TimeSpan.FromSeconds(1)).UtcTicks);
            return null;
        }
        catch (Exception ex) when (ex is Confluent.Kafka.KafkaException or InvalidOperationException)
        {
            return ex.Message;
        }
    }

    public void Dispose()
    {
        if (_kafka.IsValueCreated)
        {
            _kafka.Value.Producer.Flush(TimeSpan.FromSeconds(10));
            _kafka.Value.Producer.Dispose();
        }
    }
}

internal static class ApiServices
{
    /// <summary>The API's options, queries, Kafka connection, live feed and problem details.</summary>
    public static IHostApplicationBuilder AddMs5Api(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<ApiOptions>(builder.Configuration, ApiOptions.Section);
        services.AddProblemDetails();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ApiOptions>>().Value);
        services.AddSingleton<EventQueries>();
        services.AddSingleton<OeeQueries>();
        services.AddSingleton<DowntimeQueries>();
        services.AddMs5DowntimeModels(builder.Configuration);
        services.AddSingleton<LiveOee>();
        services.AddSingleton(sp => new EventRules(sp.GetRequiredService<PlantDirectory>().IsKnown, sp.GetRequiredService<ApiOptions>().MaxClockSkew));
        services.AddSingleton<KafkaConnection>();
        services.AddSingleton<Live.LiveHub>();
        services.AddHostedService<Live.LiveFeed>();
        builder.AddMs5Reports();
        services.AddSingleton<Apis.ReportQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<Apis.ReportQueue>());
        return builder;
    }
}
