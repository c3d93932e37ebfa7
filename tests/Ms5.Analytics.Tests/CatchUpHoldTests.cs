using Ms5.Analytics.Andon;

namespace Ms5.Analytics.Tests;

public sealed class CatchUpHoldTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 2, 6, 0, 0, TimeSpan.Zero);

    /// <summary><paramref name="old"/> events an hour old and <paramref name="fresh"/> ones 300 ms old.</summary>
    private static List<DateTimeOffset> Times(int old, int fresh = 0, DateTimeOffset? now = null) =>
        [.. Enumerable.Repeat((now ?? T).AddHours(-1), old), .. Enumerable.Repeat((now ?? T).AddMilliseconds(-300), fresh)];

    [Theory]
    [InlineData(1000, -61, true)]      // a backlog's batch: many events more than a minute old
    [InlineData(100_000, -3600, true)]
    [InlineData(999, -3600, false)]    // a few old events (a late correction): posted at once
    [InlineData(100_000, -60, false)]  // exactly a minute old is not behind yet
    [InlineData(100_000, -1, false)]   // live load, however heavy
    [InlineData(0, -3600, false)]
    public void IsCatchUp_NeedsManyEventsMoreThanAMinuteOld(int events, int ageSeconds, bool expected) =>
        Assert.Equal(expected, CatchUpHold.IsCatchUp(Enumerable.Repeat(T.AddSeconds(ageSeconds), events), T));

    [Fact]
    public void IsCatchUp_CountsOldEvents_WhateverTheFreshOnesBesideThem()
    {
        // A reconnecting plant's backlog beside other plants' live events: the newest event is fresh.
        Assert.True(CatchUpHold.IsCatchUp(Times(1000, fresh: 5000), T));
        Assert.False(CatchUpHold.IsCatchUp(Times(999, fresh: 5000), T));
    }

    [Fact]
    public void NoBacklog_NeverDefers()
    {
        var hold = new CatchUpHold();
        Assert.False(hold.Defer(T));
        var live = hold.Begin(Times(0, fresh: 2000), T);
        Assert.False(live);
        Assert.False(hold.Defer(T));
        hold.End(live, T.AddSeconds(0.2));
        Assert.False(hold.Defer(T.AddSeconds(0.2)));
        hold.End(false, T.AddSeconds(0.3)); // an End without a backlog's Begin starts nothing
        Assert.False(hold.Defer(T.AddSeconds(0.3)));
    }

    [Fact]
    public void Backlog_DefersFromTheBatchesStart_UntilQuietAfterItsEnd()
    {
        var hold = new CatchUpHold();
        var backlog = hold.Begin(Times(80_000), T);
        Assert.True(backlog);
        Assert.True(hold.Defer(T));
        Assert.True(hold.Defer(T.AddSeconds(10)));  // a slow batch: held while it runs
        hold.End(backlog, T.AddSeconds(11));
        Assert.True(hold.Defer(T.AddSeconds(12.9)));
        Assert.False(hold.Defer(T.AddSeconds(13)));  // no backlog batch for 2 s after the last: drained
        Assert.False(hold.Defer(T.AddSeconds(14)));
    }

    [Fact]
    public void ALiveOrEmptyBatch_DoesNotEndTheHoldSooner()
    {
        var hold = new CatchUpHold();
        hold.End(hold.Begin(Times(80_000), T), T.AddSeconds(1));
        var last = hold.Begin(Times(200, fresh: 300, now: T.AddSeconds(1.2)), T.AddSeconds(1.2)); // the backlog's short last batch
        Assert.False(last);
        Assert.True(hold.Defer(T.AddSeconds(1.5)));
        hold.End(last, T.AddSeconds(1.6));
        hold.End(hold.Begin([], T.AddSeconds(2)), T.AddSeconds(2)); // every message a dead letter
        Assert.True(hold.Defer(T.AddSeconds(2.9)));
        Assert.False(hold.Defer(T.AddSeconds(3)));
    }

    [Fact]
    public void OverlappingBatches_HoldUntilTheLastOneEnds()
    {
        // A batch abandoned on a revocation may end after the next one began.
        var hold = new CatchUpHold();
        var first = hold.Begin(Times(80_000), T);
        var second = hold.Begin(Times(80_000), T.AddSeconds(1));
        hold.End(first, T.AddSeconds(2));
        Assert.True(hold.Defer(T.AddSeconds(6)));  // the second is still running, long after the first's quiet time
        hold.End(second, T.AddSeconds(7));
        Assert.True(hold.Defer(T.AddSeconds(8.9)));
        Assert.False(hold.Defer(T.AddSeconds(9)));
    }

    [Fact]
    public void AHungBatch_StillPostsEvery15Seconds()
    {
        var hold = new CatchUpHold();
        hold.Begin(Times(80_000), T);
        Assert.True(hold.Defer(T));
        Assert.True(hold.Defer(T.AddSeconds(14.9)));
        Assert.False(hold.Defer(T.AddSeconds(15)));
        Assert.True(hold.Defer(T.AddSeconds(16)));
    }

    [Fact]
    public void LongBacklog_PostsEvery15Seconds()
    {
        var hold = new CatchUpHold();
        var deferred = new List<bool>();
        for (var s = 0; s <= 32; s++)
        {
            var now = T.AddSeconds(s);
            var batch = hold.Begin(Times(80_000, now: now), now); // a batch every second
            deferred.Add(hold.Defer(now));
            hold.End(batch, now.AddSeconds(0.9));
        }

        // Held from 0 s; at 15 s the hold has lasted MaxHold: a post; held again from 16 s to 30 s; a post at 31 s.
        var posts = deferred.Select((d, s) => (d, s)).Where(x => !x.d).Select(x => x.s).ToList();
        Assert.Equal([15, 31], posts);
    }
}
