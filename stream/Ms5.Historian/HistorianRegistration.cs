using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Ms5.Analytics.Events;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Kafka.Consuming;
using Ms5.Postgres;
using Ms5.ServiceDefaults;
using Prometheus;

namespace Ms5.Historian;

internal static class HistorianRegistration
{
    private static readonly Counter InfluxEvents = Metrics.CreateCounter(InfluxHistorianSink.MetricName, "Messages by outcome.", "outcome");

    /// <summary>The consumers named in Stream:Sinks (pg: PostgreSQL and DLQ routing; influx: InfluxDB), their topics and options.</summary>
    public static IHostApplicationBuilder AddHistorian(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<HistorianOptions>(builder.Configuration, StreamOptions.Section);
        builder.Services.AddSingleton(sp => new EventRules(sp.GetRequiredService<PlantDirectory>().IsKnown, sp.GetRequiredService<IOptions<HistorianOptions>>().Value.MaxClockSkew));
        builder.AddMs5Topics(sp =>
        {
            var o = sp.GetRequiredService<IOptions<HistorianOptions>>().Value;
            return [o.Topic, o.DlqTopic];
        });

        var sinks = builder.Configuration.GetSection(StreamOptions.Section).Get<HistorianOptions>()?.SinkList() ?? new HistorianOptions().SinkList();
        if (sinks.Contains("pg"))
        {
            builder.Services.AddHostedService(sp =>
            {
                var o = sp.GetRequiredService<IOptions<HistorianOptions>>().Value;
                var kafka = sp.GetRequiredService<KafkaOptions>();
                var time = sp.GetRequiredService<TimeProvider>();
                // Dead letters go to dead_letters with the batch; DeadLetterOutbox publishes them to the DLQ topic.
                var pipeline = new EventPipeline(new ValidateStage(sp.GetRequiredService<EventRules>(), time, "historian-pg"), new KeepDeadLettersWithBatch(), sp.GetRequiredService<PlantDirectory>());
                var writer = ActivatorUtilities.CreateInstance<HistorianWriter>(sp, o.PgGroup, kafka.BootstrapServers);
                return new PgHistorianSink(kafka, o.Consumer(o.PgGroup), pipeline, writer, time, sp.GetRequiredService<ILogger<PgHistorianSink>>());
            });
            builder.Services.AddHostedService(sp =>
            {
                var o = sp.GetRequiredService<IOptions<HistorianOptions>>().Value;
                var producer = PipelineMetrics.Counted(new ProducerBuilder<byte[]?, byte[]?>(sp.GetRequiredService<KafkaOptions>().ProducerConfig($"{o.PgGroup}-dlq")).Build());
                return ActivatorUtilities.CreateInstance<DeadLetterOutbox>(sp, producer);
            });
            builder.Services.AddHostedService(sp =>
            {
                var o = sp.GetRequiredService<IOptions<HistorianOptions>>().Value;
                return ActivatorUtilities.CreateInstance<DeadLetterSink>(sp, o.Consumer(o.DlqGroup) with { Topic = o.DlqTopic });
            });
        }

        if (sinks.Contains("influx"))
        {
            builder.Services.AddHostedService(sp =>
            {
                var o = sp.GetRequiredService<IOptions<HistorianOptions>>().Value;
                var time = sp.GetRequiredService<TimeProvider>();
                var plants = sp.GetRequiredService<PlantDirectory>();
                // The PostgreSQL historian dead-letters invalid messages; here they are counted and skipped.
                var pipeline = new EventPipeline(new ValidateStage(sp.GetRequiredService<EventRules>(), time, "historian-influx"), new SkipDeadLetters(n => InfluxEvents.WithLabels("skipped_invalid").Inc(n)), plants);
                return new InfluxHistorianSink(sp.GetRequiredService<KafkaOptions>(), o.Consumer(o.InfluxGroup), pipeline, sp.GetRequiredService<InfluxWriter>(), time, sp.GetRequiredService<ILogger<InfluxHistorianSink>>());
            });
        }

        return builder;
    }
}
