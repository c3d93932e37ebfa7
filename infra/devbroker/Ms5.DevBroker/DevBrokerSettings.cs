using System.Globalization;
using Ms5.Kafka;

namespace Ms5.DevBroker;

/// <summary>
/// The dev broker's settings, from the environment: MS5_DEVBROKER_PORT (control HTTP port, default
/// 59092) and MS5_DEVBROKER_BROKERS (mock brokers, default 1). A bad value stops start-up naming the variable.
/// </summary>
internal sealed record DevBrokerSettings(int Port, int Brokers)
{
    public static DevBrokerSettings FromEnvironment() => new(
        Read("MS5_DEVBROKER_PORT", 59092, 1, 65535),
        Read("MS5_DEVBROKER_BROKERS", 1, 1, 16));

    private static int Read(string name, int fallback, int min, int max)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new InvalidOperationException($"{name} must be a whole number from {min} to {max}, got '{text}'");
    }
}

/// <summary>Where clients find the broker: MS5_HOME/kafka.bootstrap (KafkaOptions.FromEnvironment reads it).</summary>
internal static class BootstrapFile
{
    public static async Task<string> WriteAsync(string bootstrapServers)
    {
        var home = Ms5Home.Path;
        Directory.CreateDirectory(home);
        var path = Path.Combine(home, "kafka.bootstrap");
        await File.WriteAllTextAsync(path, bootstrapServers + "\n");
        return path;
    }
}

internal static class DevBrokerLogging
{
    /// <summary>Structured logs: one JSON object per line, scopes and state fields kept.</summary>
    public static void AddDevBrokerLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(o =>
        {
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });
    }
}
