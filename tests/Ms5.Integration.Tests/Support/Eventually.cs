namespace Ms5.Integration.Tests.Support;

/// <summary>Polls a condition until it holds, failing with what was awaited after a timeout.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what, int pollMs = 100)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds} s waiting for {what()}");
            await Task.Delay(pollMs);
        }
    }

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, Func<string> what, int pollMs = 100) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, what, pollMs);
}
