using Confluent.Kafka;
using Ms5.Kafka;

namespace Ms5.Ops.Checks;

/// <summary>
/// Check 4: a unique message produced to <see cref="Topic"/> (created with one partition when missing, as MS5 creates
/// its topics: <see cref="TopicAdmin"/>) is read back from the offset the broker acknowledged.
/// </summary>
internal static class KafkaCheck
{
    public const string Topic = "ms5.validate.v1";

    public static Check Create(OpsSettings settings, string topic = Topic) => new("kafka", async ct =>
    {
        if (settings.KafkaBootstrap is null)
        {
            return CheckOutcome.Skip("MS5_KAFKA_BOOTSTRAP is not set");
        }

        var options = KafkaOptions.FromConfiguration(settings.Configuration);
        options.DeliveryTimeout = TimeSpan.FromSeconds(10);
        try
        {
            // WaitAsync: the Admin API's create is not cancellable; a broker that never answers must not hold the check.
            await TopicAdmin.EnsureAsync(options, new Dictionary<string, int> { [topic] = 1 }, ct).WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return CheckOutcome.Fail($"kafka {options.BootstrapServers}: topic {topic} could not be created in time" + (options.DevBrokerUrl is null ? " (a dev broker needs MS5_KAFKA_DEVBROKER_URL)" : ""));
        }
        catch (HttpRequestException ex)
        {
            // A dev broker creates topics through its control endpoint: it not answering means the broker is not running.
            return CheckOutcome.Fail($"kafka {options.BootstrapServers}: the dev broker's control endpoint {options.DevBrokerUrl} is unreachable: {CheckRunner.Describe(ex)}");
        }
        var runId = Guid.NewGuid().ToString("N");
        var produceWatch = System.Diagnostics.Stopwatch.StartNew();
        DeliveryResult<string, string> delivered;
        using (var producer = new ProducerBuilder<string, string>(options.ProducerConfig("ms5-validate")).Build())
        {
            try
            {
                delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = runId, Value = $$"""{"validate":"{{runId}}"}""" }, ct);
            }
            catch (ProduceException<string, string> ex)
            {
                return CheckOutcome.Fail($"kafka {options.BootstrapServers}: produce to {topic} failed: {ex.Error.Reason}");
            }
        }

        var produced = produceWatch.ElapsedMilliseconds;
        var config = options.ConsumerConfig($"ms5-validate-{runId}", "ms5-validate");
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(delivered.TopicPartitionOffset);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var r = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (r?.Message is { } m && m.Key == runId)
                {
                    return CheckOutcome.Pass($"{options.BootstrapServers}: {topic} produce {produced} ms, read back at {delivered.TopicPartitionOffset}");
                }
            }
        }
        finally
        {
            consumer.Close();
        }

        return CheckOutcome.Fail($"kafka {options.BootstrapServers}: message {runId} produced to {delivered.TopicPartitionOffset} was not read back in time");
    });
}
