using Confluent.Kafka;

namespace Ms5.Integration.Tests.Support;

/// <summary>Closing a test's subscribed reader however the test ends.</summary>
internal static class ConsumerClosing
{
    /// <summary>
    /// Closes the reader (leaves its group) before disposing it, also when the test fails: disposing a subscribed consumer
    /// that was not closed hung the whole suite in librdkafka's destroy after a failed assertion.
    /// </summary>
    public static IDisposable ClosedAtTheEnd(this IConsumer<byte[]?, byte[]?> reader) => new Closing(reader);

    private sealed class Closing(IConsumer<byte[]?, byte[]?> reader) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                reader.Close();
            }
            catch (KafkaException)
            {
            }

            reader.Dispose();
        }
    }
}
