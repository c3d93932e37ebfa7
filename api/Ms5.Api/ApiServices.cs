using Microsoft.Extensions.Options;
using Ms5.Analytics.Events;
using Ms5.Influx;
using Ms5.Kafka;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.Api;

/// <summary>Kafka is optional at start: the API serves reads while the broker is away and says so in /readyz.</summary>
internal sealed class KafkaConnection(ApiOptions options) : IDisposable
{
    private readonly Lazy<(KafkaOptions Options, EventProducer Producer)> _kafka = new(() =>
    {
        var o = string.IsNullOrWhiteSpace(options.KafkaBootstrap) ? KafkaOptions.FromEnvironment() : new KafkaOptions { BootstrapServers = options.KafkaBootstrap };
        // A gateway waits for the answer: report "failed, retry" after this long rather than hang.
        o.DeliveryTimeout = options.IngestDeliveryTimeout;
        return (o, new EventProducer(o, "ms5-api"));
    });

    public KafkaOptions Options => _kafka.Value.Options;

    /// <summary>Where Andon transitions made through the API are published.</summary>
    public string AndonTopic => options.AndonTopic;
    public EventProducer Producer => _kafka.Value.Producer;

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
    public static void AddMs5Api(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>()
            .Bind(builder.Configuration.GetSection(ApiOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ApiOptions>>().Value);
        builder.Services.AddSingleton(sp => NpgsqlDataSource.Create(PgConnectionString.Convert(sp.GetRequiredService<ApiOptions>().Pg)));
        builder.Services.AddSingleton(sp => new PlantStore(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(sp => new EventQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(sp => new OeeQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(sp => new DowntimeQueries(sp.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddSingleton(sp => new PlantDirectory(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new LiveOee(sp.GetRequiredService<OeeQueries>(), sp.GetRequiredService<PlantDirectory>()));
        builder.Services.AddSingleton(sp => new MachineDirectory(sp.GetRequiredService<PlantStore>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new EventRules(sp.GetRequiredService<MachineDirectory>().IsKnown, sp.GetRequiredService<ApiOptions>().MaxClockSkew));
        builder.Services.AddSingleton<KafkaConnection>();
        builder.Services.AddSingleton<Live.LiveHub>();
        builder.Services.AddHostedService<Live.LiveFeed>();
        builder.Services.AddHttpClient("influx", c => c.Timeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<ApiOptions>();
            return new InfluxWriter(sp.GetRequiredService<IHttpClientFactory>().CreateClient("influx"), new InfluxOptions { Url = new Uri(o.InfluxUrl), Database = o.InfluxDb });
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
    }
}

internal sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        var problems = options.Validate().ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
