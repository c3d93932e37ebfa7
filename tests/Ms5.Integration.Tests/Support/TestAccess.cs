namespace Ms5.Integration.Tests.Support;

/// <summary>Access settings every test API gets: rate limits the whole suite stays under (tests of the limits set low ones).</summary>
internal static class TestAccess
{
    public static readonly IReadOnlyDictionary<string, string> Settings = new Dictionary<string, string>
    {
        ["Ms5:Auth:RateLimits:ApiPerIdentityPerSecond"] = "100000",
        ["Ms5:Auth:RateLimits:ApiBurst"] = "100000",
        ["Ms5:Auth:RateLimits:IngestPerKeyPerSecond"] = "100000",
        ["Ms5:Auth:RateLimits:LoginPerAddressPerMinute"] = "100000",
        ["Ms5:Auth:RateLimits:LoginPerUserPerMinute"] = "100000",
    };
}
