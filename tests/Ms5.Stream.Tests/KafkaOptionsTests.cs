using Confluent.Kafka;
using Ms5.Kafka;

namespace Ms5.Stream.Tests;

/// <summary>The consumer settings every MS5 consumer group runs with.</summary>
public sealed class KafkaOptionsTests
{
    [Fact]
    public void ConsumerConfig_CommitsOnlyWhatTheConsumerSaysIsDurable_AndStartsAnUnknownGroupAtTheBeginning()
    {
        var config = new KafkaOptions { BootstrapServers = "127.0.0.1:9092" }.ConsumerConfig("ms5-oee", "ms5-oee-1");

        Assert.False(config.EnableAutoCommit);
        Assert.False(config.EnableAutoOffsetStore);
        Assert.Equal(AutoOffsetReset.Earliest, config.AutoOffsetReset);
        Assert.Equal("ms5-oee", config.GroupId);
        Assert.Equal("127.0.0.1:9092", config.BootstrapServers);
    }

    [Fact]
    public void ConsumerConfig_FetchesAgainSoonAfterTheLocalQueueWasFull()
    {
        // librdkafka postpones a partition's next fetch by fetch.queue.backoff.ms (default 1 s) whenever the consumer's local
        // queue holds queued.min.messages (default 100,000). A backlog fills that queue at every fetch round; with the
        // default, the engine then emptied it and sat 0.3-0.5 s without a message several times per 1M-event drain.
        var config = new KafkaOptions().ConsumerConfig("ms5-oee", "ms5-oee-1");

        Assert.Equal(20, config.FetchQueueBackoffMs);
        Assert.Null(config.QueuedMinMessages);
        Assert.Equal(256 * 1024, config.QueuedMaxMessagesKbytes);
    }
}
