using Ms5.Analytics.Andon;

namespace Ms5.Analytics.Tests;

public sealed class CatchUpHoldTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1000, -61, true)]      // a backlog's batch: many events, the newest a minute old
    [InlineData(100_000, -3600, true)]
    [InlineData(999, -3600, false)]    // a few old events (a late correction): posted at once
    [InlineData(100_000, -60, false)]  // the newest exactly a minute old is not behind yet
    [InlineData(100_000, -1, false)]   // live load, however heavy
    [InlineData(0, -3600, false)]
    public void IsCatchUp_NeedsManyEvents_TheNewestMoreThanAMinuteOld(int events, int newestSeconds, bool expected) =>
        Assert.Equal(expected, CatchUpHold.IsCatchUp(events, T.AddSeconds(newestSeconds), T));

    [Fact]
    public void NoBacklog_NeverDefers()
    {
        var hold = new CatchUpHold();
        Assert.False(hold.Defer(T));
        hold.Begin(50, T.AddMilliseconds(-300), T);
        Assert.False(hold.Defer(T));
        hold.End(T);
        Assert.False(hold.Defer(T));
        hold.Begin(5000, T.AddHours(-1), T);
        hold.End(T.AddSeconds(0.5));
        hold.Begin(5000, T.AddMilliseconds(-300), T.AddSeconds(1)); // caught up: a live batch ends the hold at once
        Assert.False(hold.Defer(T.AddSeconds(1)));
        hold.End(T.AddSeconds(1.1));
        Assert.False(hold.Defer(T.AddSeconds(1.1)));
    }

    [Fact]
    public void Backlog_DefersFromTheBatchesStart_UntilQuietAfterItsEnd()
    {
        var hold = new CatchUpHold();
        hold.Begin(80_000, T.AddHours(-1), T);
        Assert.True(hold.Defer(T));
        Assert.True(hold.Defer(T.AddSeconds(10)));  // a slow batch: held while it runs
        hold.End(T.AddSeconds(11));
        Assert.True(hold.Defer(T.AddSeconds(12.9)));
        Assert.False(hold.Defer(T.AddSeconds(13)));  // no batch for 2 s after the last: drained
        Assert.False(hold.Defer(T.AddSeconds(14)));
    }

    [Fact]
    public void LongBacklog_PostsEvery15Seconds()
    {
        var hold = new CatchUpHold();
        var deferred = new List<bool>();
        for (var s = 0; s <= 32; s++)
        {
            var now = T.AddSeconds(s);
            hold.Begin(80_000, now.AddHours(-1), now); // a batch every second
            deferred.Add(hold.Defer(now));
            hold.End(now.AddSeconds(0.9));
        }

        // Held from 0 s; at 15 s the hold has lasted MaxHold: a post; held again from 16 s to 30 s; a post at 31 s.
        var posts = deferred.Select((d, s) => (d, s)).Where(x => !x.d).Select(x => x.s).ToList();
        Assert.Equal([15, 31], posts);
    }
}
