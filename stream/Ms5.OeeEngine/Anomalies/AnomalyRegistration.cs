using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Ml;
using Ms5.ServiceDefaults;

namespace Ms5.OeeEngine.Anomalies;

internal static class AnomalyRegistration
{
    /// <summary>
    /// Live downtime anomaly scoring (section Stream:AnomalyScoring): the scorer, ms5.anomaly.v1 and the InfluxDB mirror,
    /// anomalous_stop Andons. Needs AddMs5Postgres, AddMs5Kafka, AddMs5Influx and AddAndon. Scores nothing (and changes no
    /// readiness) while no plant has a ready model.
    /// </summary>
    public static IHostApplicationBuilder AddAnomalyScoring(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<AnomalyScoringOptions>(builder.Configuration, AnomalyScoringOptions.Section);
        services.AddMs5DowntimeModels(builder.Configuration);
        builder.AddMs5Topics(sp => [sp.GetRequiredService<IOptions<AnomalyScoringOptions>>().Value.Topic]);
        services.AddSingleton<AnomalyModels>();
        services.AddSingleton<AnomalyAndonRaiser>();
        services.AddSingleton(sp =>
        {
            var producer = PipelineMetrics.Counted(new ProducerBuilder<byte[]?, byte[]?>(sp.GetRequiredService<KafkaOptions>().ProducerConfig("ms5-anomaly-publisher")).Build());
            return new AnomalyPublisher(producer, sp.GetRequiredService<IOptions<AnomalyScoringOptions>>().Value.Topic,
                sp.GetRequiredService<InfluxWriter>(), sp.GetRequiredService<ILogger<AnomalyPublisher>>());
        });
        services.AddSingleton<LiveAnomalyScorer>();
        // Off by its own switch or by the environment's ML flag (MS5_FEATURE_ML=false): no stop is scored live.
        if (builder.Configuration.GetValue($"{AnomalyScoringOptions.Section}:{nameof(AnomalyScoringOptions.Enabled)}", true)
            && FeatureOptions.From(builder.Configuration).MlOn)
        {
            services.AddHostedService(sp => sp.GetRequiredService<LiveAnomalyScorer>());
        }

        return builder;
    }
}
