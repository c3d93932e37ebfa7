using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ms5.ServiceDefaults;

namespace Ms5.Kafka;

public static class KafkaRegistration
{
    /// <summary>
    /// <see cref="KafkaOptions"/> (MS5_KAFKA_BOOTSTRAP, else the dev broker of ./ms5 up), resolved on first use so a host
    /// that can work without Kafka (the API's reads) starts while the broker is away, and the "kafka" readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddMs5Kafka(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp => KafkaOptions.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddReadinessCheck<KafkaReadiness>("kafka");
        return builder;
    }

    /// <summary>Creates the host's topics (name → partitions, from its options) before any consumer starts.</summary>
    public static IHostApplicationBuilder AddMs5Topics(this IHostApplicationBuilder builder, Func<IServiceProvider, IReadOnlyCollection<string>> topics)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHostedService(sp => new TopicProvisioning(sp.GetRequiredService<KafkaOptions>(), topics(sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TopicProvisioning>>()));
        return builder;
    }

    /// <summary>Creates the topics before the consumers start; while Kafka cannot be reached it waits and retries instead of failing.</summary>
    private sealed class TopicProvisioning(KafkaOptions kafka, IReadOnlyCollection<string> topics, TimeProvider time, ILogger<TopicProvisioning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            Retry.Forever(TimeSpan.FromSeconds(5), time, (ex, attempt, delay) =>
                {
                    logger.LogWarning("Kafka not ready to create topics (attempt {Attempt}): {Error}; retrying in {Delay}", attempt, ex.Message, delay);
                    return default;
                }).ExecuteAsync(
                    ct => new ValueTask(TopicAdmin.EnsureAsync(kafka, topics.Distinct(StringComparer.Ordinal).ToDictionary(t => t, t => Topics.DefaultPartitions.GetValueOrDefault(t, Topics.PartitionsOfOtherTopics)), ct)),
                    cancellationToken).AsTask();

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class KafkaReadiness(IServiceProvider services) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.Run(() =>
            {
                var options = services.GetRequiredService<KafkaOptions>();
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = options.BootstrapServers }).Build();
                admin.GetMetadata(TimeSpan.FromSeconds(3));
                return HealthCheckResult.Healthy();
            }, cancellationToken);
    }
}
