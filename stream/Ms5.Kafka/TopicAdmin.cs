using System.Net.Http.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Ms5.Kafka;

/// <summary>
/// Creates topics with a chosen partition count. The dev broker (librdkafka mock) does not support
/// CreateTopics, so there it asks the broker process's control endpoint; a real cluster gets the Admin API.
/// </summary>
public static class TopicAdmin
{
    /// <summary>Deletes a topic (dev broker only; against a real cluster, topics are an operator's decision).</summary>
    public static async Task DeleteDevTopicAsync(KafkaOptions options, string topic, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DevBrokerUrl is not { } url)
        {
            return;
        }

        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        using var resp = await http.DeleteAsync(new Uri("/topics/" + Uri.EscapeDataString(topic), UriKind.Relative), ct);
    }

    public static async Task EnsureAsync(KafkaOptions options, IReadOnlyDictionary<string, int> topics, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(topics);
        if (options.DevBrokerUrl is { } url)
        {
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
            foreach (var (name, partitions) in topics)
            {
                using var resp = await http.PostAsJsonAsync("/topics", new { name, partitions }, ct);
                if (!resp.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"dev broker refused topic {name}: {(int)resp.StatusCode} {await resp.Content.ReadAsStringAsync(ct)}");
                }
            }

            return;
        }

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = options.BootstrapServers }).Build();
        var meta = admin.GetMetadata(TimeSpan.FromSeconds(10));
        var missing = topics.Where(t => !meta.Topics.Any(m => m.Topic == t.Key && m.Error.Code == ErrorCode.NoError))
            .Select(t => new TopicSpecification { Name = t.Key, NumPartitions = t.Value, ReplicationFactor = -1 })
            .ToList();
        if (missing.Count == 0)
        {
            return;
        }

        try
        {
            await admin.CreateTopicsAsync(missing);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Another process created them first: fine.
        }
    }
}
