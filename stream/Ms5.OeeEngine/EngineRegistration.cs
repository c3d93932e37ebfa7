using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Ms5.Analytics.Events;
using Ms5.Kafka;
using Ms5.Kafka.Consuming;
using Ms5.Postgres;
using Ms5.ServiceDefaults;
using Npgsql;

namespace Ms5.OeeEngine;

internal static class EngineRegistration
{
    /// <summary>The engine (consumer), the ticker, the rolling-window cache, ms5.oee.v1 publishing and the InfluxDB mirror.</summary>
    public static IHostApplicationBuilder AddOeeEngine(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<EngineOptions>(builder.Configuration, StreamOptions.Section);
        builder.AddMs5Topics(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
            return [o.Topic, Topics.MachineEventsDlq, o.OeeTopic, o.AndonTopic];
        });
        services.AddSingleton<LiveBuckets>();
        services.AddSingleton<EventTails>();
        services.AddSingleton<Recomputation>();
        services.AddSingleton<OeeQueries>();
        services.AddSingleton<LiveOee>();
        services.AddSingleton<OeeInfluxMirror>();
        services.AddSingleton<OeePublication>();
        services.AddSingleton(sp =>
        {
            var producer = PipelineMetrics.Counted(new ProducerBuilder<byte[]?, byte[]?>(sp.GetRequiredService<KafkaOptions>().ProducerConfig("ms5-oee-publisher")).Build());
            return new OeePublisher(producer, sp.GetRequiredService<IOptions<EngineOptions>>().Value.OeeTopic, sp.GetRequiredService<LiveOee>(), sp.GetRequiredService<PlantDirectory>());
        });
        services.AddHostedService(sp =>
        {
            var o = sp.GetRequiredService<IOptions<EngineOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            var plants = sp.GetRequiredService<PlantDirectory>();
            // The PostgreSQL historian dead-letters invalid messages; the engine counts and skips them.
            var pipeline = new EventPipeline(
                new ValidateStage(new EventRules(plants.IsKnown, o.MaxClockSkew), time, "oee-engine"),
                new SkipDeadLetters(n => OeeEngine.Events.WithLabels("invalid").Inc(n)),
                plants);
            var parts = new EngineParts(sp.GetRequiredService<NpgsqlDataSource>(), plants, sp.GetRequiredService<EventTails>(), sp.GetRequiredService<AndonHub>(),
                sp.GetRequiredService<Recomputation>(), sp.GetRequiredService<OeePublication>(), o.OeeGrace)
            {
                AutoStart = sp.GetService<Orders.OrderAutoStart>(),
                Lanes = o.WriteLanes,
                LaneMinEvents = o.WriteLaneMinEvents,
            };
            return new OeeEngine(sp.GetRequiredService<KafkaOptions>(), o.Consumer(o.OeeGroup), pipeline, parts, time, sp.GetRequiredService<ILogger<OeeEngine>>());
        });
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<OeeTicker>(sp, sp.GetRequiredService<IOptions<EngineOptions>>().Value.OeeTickInterval));
        // Monitoring: the OEE counters count what is computed from now on; the floor gauges are read every few seconds.
        Telemetry.StartCounting(DateTimeOffset.UtcNow);
        services.AddHostedService<FloorGauges>();
        services.AddHostedService<JitWarmUp>();
        return builder;
    }

    /// <summary>Andon: the hub (findings, pending raises, ms5.andon.v1), the on-time raise and escalation timers, the Alertmanager notifier.</summary>
    public static IHostApplicationBuilder AddAndon(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(sp =>
        {
            var producer = PipelineMetrics.Counted(new ProducerBuilder<byte[]?, byte[]?>(sp.GetRequiredService<KafkaOptions>().ProducerConfig("ms5-andon-publisher")).Build());
            return new AndonHub(producer, sp.GetRequiredService<IOptions<EngineOptions>>().Value.AndonTopic, sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ILogger<AndonHub>>());
        });
        services.AddHostedService<AndonTimers>();
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<AlertmanagerNotifier>(sp, ApiBase(sp.GetRequiredService<IConfiguration>())));
        return builder;
    }

    /// <summary>Where Alertmanager notifications link to (MS5_API_URL, else the local API).</summary>
    private static Uri ApiBase(IConfiguration configuration) =>
        new(configuration[$"{Ms5Settings.Section}:ApiUrl"] is { Length: > 0 } api ? api.TrimEnd('/') + "/" : "http://127.0.0.1:8080/");
}
