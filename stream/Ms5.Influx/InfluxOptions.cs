namespace Ms5.Influx;

/// <summary>InfluxDB v1 HTTP API location (MS5_INFLUX_URL, MS5_INFLUX_DB; optional MS5_INFLUX_TOKEN for 2.x/3.x).</summary>
public sealed class InfluxOptions
{
    public Uri Url { get; set; } = new("http://127.0.0.1:58086");
    public string Database { get; set; } = "ms5";
    public string? Token { get; set; }

    public static InfluxOptions FromEnvironment() => new()
    {
        Url = new Uri(Environment.GetEnvironmentVariable("MS5_INFLUX_URL") is { Length: > 0 } u ? u : "http://127.0.0.1:58086"),
        Database = Environment.GetEnvironmentVariable("MS5_INFLUX_DB") is { Length: > 0 } d ? d : "ms5",
        Token = Environment.GetEnvironmentVariable("MS5_INFLUX_TOKEN") is { Length: > 0 } t ? t : null,
    };
}
