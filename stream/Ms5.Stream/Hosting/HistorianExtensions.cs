using Ms5.Alertmanager;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Ms5.Analytics.Events;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Postgres;
using Ms5.Stream.Sinks;
using Npgsql;

namespace Ms5.Stream.Hosting;

internal static class HistorianExtensions
{
    /// <summary>Registers the sinks named in Stream:Sinks, their adapters and the options (validated at start).</summary>
    public static void AddHistorian(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StreamOptions>()
            .Bind(builder.Configuration.GetSection(StreamOptions.Section))
            .Validate(o => !o.Validate().Any(), "invalid Stream options")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<StreamOptions>, StreamOptionsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(_ => KafkaOptions.FromEnvironment());
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(PgConnectionString.FromEnvironment()));
        builder.Services.AddSingleton(sp => new PlantStore(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(sp => new MachineDirectory(sp.GetRequiredService<PlantStore>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new EventRules(sp.GetRequiredService<MachineDirectory>().IsKnown, sp.GetRequiredService<IOptions<StreamOptions>>().Value.MaxClockSkew));

        var sinks = builder.Configuration.GetSection(StreamOptions.Section).Get<StreamOptions>()?.SinkList() ?? new StreamOptions().SinkList();
        if (sinks.Contains("pg"))
        {
            builder.Services.AddHostedService(sp =>
            {
                var o = sp.GetRequiredService<IOptions<StreamOptions>>().Value;
                var kafka = sp.GetRequiredService<KafkaOptions>();
                var time = sp.GetRequiredService<TimeProvider>();
                var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.ProducerConfig($"{o.PgGroup}-dlq")).Build();
                return new PgHistorianSink(kafka, o.Topic, o.DlqTopic,
                    new HistorianWriter(sp.GetRequiredService<NpgsqlDataSource>(), o.PgGroup, kafka.BootstrapServers, time),
                    new EventClassifier(sp.GetRequiredService<EventRules>(), time, "historian-pg"),
                    new DlqPublisher(producer), o.MaxBatchSize, o.MaxBatchDelay, o.MaxRetryDelay,
                    sp.GetRequiredService<ILogger<PgHistorianSink>>());
            });
        }

        if (sinks.Contains("oee"))
        {
            AddOeeEngine(builder);
        }

        if (sinks.Contains("influx"))
        {
            builder.Services.AddHttpClient("influx", c => c.Timeout = TimeSpan.FromSeconds(30));
            builder.Services.AddHostedService(sp =>
            {
                var o = sp.GetRequiredService<IOptions<StreamOptions>>().Value;
                var influx = new InfluxWriter(sp.GetRequiredService<IHttpClientFactory>().CreateClient("influx"), InfluxOptions.FromEnvironment());
                return new InfluxHistorianSink(sp.GetRequiredService<KafkaOptions>(), o.Topic, o.InfluxGroup, influx,
                    sp.GetRequiredService<MachineDirectory>(), sp.GetRequiredService<EventRules>(), sp.GetRequiredService<TimeProvider>(),
                    o.MaxBatchSize, o.MaxBatchDelay, o.MaxRetryDelay, sp.GetRequiredService<ILogger<InfluxHistorianSink>>());
            });
        }
    }

    private static void AddOeeEngine(WebApplicationBuilder builder)
    {
        builder.Services.AddHttpClient("influx-oee", c => c.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton(sp => new OeeInfluxMirror(
            new InfluxWriter(sp.GetRequiredService<IHttpClientFactory>().CreateClient("influx-oee"), InfluxOptions.FromEnvironment()),
            sp.GetRequiredService<ILogger<OeeInfluxMirror>>()));
        builder.Services.AddSingleton(sp => new PlantDirectory(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<LiveBuckets>();
        builder.Services.AddSingleton<EventTails>();
        builder.Services.AddSingleton(sp =>
        {
            var producer = new ProducerBuilder<byte[]?, byte[]?>(sp.GetRequiredService<KafkaOptions>().ProducerConfig("ms5-andon-publisher")).Build();
            return new AndonHub(producer, sp.GetRequiredService<IOptions<StreamOptions>>().Value.AndonTopic, sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ILogger<AndonHub>>());
        });
        builder.Services.AddHttpClient("alertmanager", c =>
        {
            c.BaseAddress = AlertmanagerClient.UrlFromEnvironment();
            c.Timeout = TimeSpan.FromSeconds(5);
        });
        builder.Services.AddHostedService(sp => new AndonService(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<AndonHub>(), sp.GetRequiredService<PlantDirectory>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AndonService>>()));
        builder.Services.AddHostedService(sp => new AlertmanagerNotifier(sp.GetRequiredService<NpgsqlDataSource>(),
            new AlertmanagerClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient("alertmanager")), sp.GetRequiredService<AndonHub>(), sp.GetRequiredService<TimeProvider>(),
            new Uri(Environment.GetEnvironmentVariable("MS5_API_URL") is { Length: > 0 } api ? api.TrimEnd('/') + "/" : "http://127.0.0.1:8080/"),
            sp.GetRequiredService<ILogger<AlertmanagerNotifier>>()));
        builder.Services.AddHostedService(sp =>
        {
            var o = sp.GetRequiredService<IOptions<StreamOptions>>().Value;
            return new OeeEngine(sp.GetRequiredService<KafkaOptions>(), o.Topic, o.OeeGroup, sp.GetRequiredService<NpgsqlDataSource>(),
                sp.GetRequiredService<PlantDirectory>(), sp.GetRequiredService<EventRules>(), sp.GetRequiredService<OeeInfluxMirror>(),
                sp.GetRequiredService<OeePublisher>(), sp.GetRequiredService<LiveBuckets>(), sp.GetRequiredService<EventTails>(), sp.GetRequiredService<AndonHub>(), sp.GetRequiredService<TimeProvider>(), o.OeeGrace,
                o.MaxBatchSize, o.MaxBatchDelay, o.MaxRetryDelay, sp.GetRequiredService<ILogger<OeeEngine>>());
        });
        builder.Services.AddSingleton(sp => new OeeQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(sp => new LiveOee(sp.GetRequiredService<OeeQueries>(), sp.GetRequiredService<PlantDirectory>()));
        builder.Services.AddSingleton(sp =>
        {
            var producer = new ProducerBuilder<byte[]?, byte[]?>(sp.GetRequiredService<KafkaOptions>().ProducerConfig("ms5-oee-publisher")).Build();
            return new OeePublisher(producer, sp.GetRequiredService<IOptions<StreamOptions>>().Value.OeeTopic, sp.GetRequiredService<LiveOee>());
        });
        builder.Services.AddHostedService(sp => new OeeTicker(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<PlantDirectory>(),
            sp.GetRequiredService<OeePublisher>(), sp.GetRequiredService<OeeInfluxMirror>(), sp.GetRequiredService<LiveBuckets>(), sp.GetRequiredService<EventTails>(), sp.GetRequiredService<AndonHub>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<StreamOptions>>().Value.OeeTickInterval,
            sp.GetRequiredService<ILogger<OeeTicker>>()));
    }

    /// <summary>Schema and topics exist before any sink starts consuming.</summary>
    public static async Task PrepareAsync(this WebApplication app)
    {
        var o = app.Services.GetRequiredService<IOptions<StreamOptions>>().Value;
        var applied = await Migrator.MigrateAsync(PgConnectionString.FromEnvironment());
        if (applied.Count > 0)
        {
            app.Logger.LogInformation("Applied migrations {Migrations}", string.Join(", ", applied));
        }

        var kafka = app.Services.GetRequiredService<KafkaOptions>();
        await TopicAdmin.EnsureAsync(kafka, new Dictionary<string, int>
        {
            [o.Topic] = Topics.DefaultPartitions.GetValueOrDefault(o.Topic, 12),
            [o.DlqTopic] = Topics.DefaultPartitions.GetValueOrDefault(o.DlqTopic, 3),
            [o.OeeTopic] = Topics.DefaultPartitions.GetValueOrDefault(o.OeeTopic, 12),
            [o.AndonTopic] = Topics.DefaultPartitions.GetValueOrDefault(o.AndonTopic, 3),
        });
        app.Services.GetRequiredService<MachineDirectory>().Reload();
    }
}

/// <summary>Names the failing setting in the start-up error.</summary>
internal sealed class StreamOptionsValidator : IValidateOptions<StreamOptions>
{
    public ValidateOptionsResult Validate(string? name, StreamOptions options)
    {
        var problems = options.Validate().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
