using Ms5.Analytics.Oee;
using Ms5.Analytics.Plant;
using Ms5.OeeEngine;

namespace Ms5.Stream.Tests;

/// <summary>
/// Batches published together (catching up, or committed while a publication runs) leave what publishing them one after
/// another would: per machine its newest computation, the union of its buckets with a later batch's figures winning.
/// </summary>
public sealed class PublicationQueueTests
{
    private static readonly DateTimeOffset T = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Add_TwoBatchesOfAMachine_MergeByMinute_LaterFiguresWin_NewestEventIsTheNewestOfBoth()
    {
        var queue = new PublicationQueue();
        var a1 = Item("press-01", T.AddMinutes(1), newest: T.AddMinutes(2));
        var a2 = Item("press-01", T.AddMinutes(2), newest: T.AddSeconds(30));
        var b = Item("press-02", T, newest: null);

        queue.Add([(a1, Buckets((0, 10), (1, 11))), (b, Buckets((0, 7)))], T.AddSeconds(5));
        queue.Add([(a2, Buckets((1, 21), (2, 22)))], T.AddSeconds(9));
        var (computed, now) = queue.Take();

        Assert.Equal(T.AddSeconds(9), now);
        Assert.Equal(["press-01", "press-02"], computed.Select(c => c.Item.Context.MachineId));
        var (item, buckets) = computed[0];
        Assert.Equal(a2.Range, item.Range);
        Assert.Equal(T.AddMinutes(2), item.NewestEvent);
        Assert.Equal([(T, 10L), (T.AddMinutes(1), 21L), (T.AddMinutes(2), 22L)], buckets.OrderBy(x => x.Key).Select(x => (x.Key, x.Value.GoodCount)));
        Assert.Equal([(T, 7L)], computed[1].Buckets.Select(x => (x.Key, x.Value.GoodCount)));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Take_Empties_AndAnAddAfterItStartsAfresh()
    {
        var queue = new PublicationQueue();
        queue.Add([(Item("press-01", T, newest: T), Buckets((0, 1)))], T.AddSeconds(1));
        queue.Take();

        queue.Add([(Item("press-01", T, newest: null), Buckets((3, 4)))], T);
        var (computed, now) = queue.Take();

        Assert.Equal(T, now);
        var (item, buckets) = Assert.Single(computed);
        Assert.Null(item.NewestEvent);
        Assert.Equal([(T.AddMinutes(3), 4L)], buckets.Select(x => (x.Key, x.Value.GoodCount)));
        Assert.Empty(queue.Take().Computed);
    }

    [Fact]
    public void Add_DoesNotChangeTheBatchesOwnBuckets()
    {
        var queue = new PublicationQueue();
        var first = Buckets((0, 1));
        queue.Add([(Item("press-01", T, newest: null), first)], T);
        queue.Add([(Item("press-01", T, newest: null), Buckets((0, 2), (1, 3)))], T);

        Assert.Equal([(T, 1L)], first.Select(x => (x.Key, x.Value.GoodCount)));
    }

    private static RecomputeItem Item(string machine, DateTimeOffset from, DateTimeOffset? newest) =>
        new(new MachineOeeContext(machine, "line-1", "plant-1", new IdealCycle(TimeSpan.FromSeconds(2), IdealCycle.NoProducts),
                ShiftCalendar.AlwaysOn(TimeZoneInfo.Utc), new LossClassifier(new Dictionary<string, ReasonCategory>(), OeeSettings.Default)),
            new MinuteRange(from, from.AddMinutes(5)), ResetProgress: false, ReachesNow: false)
        {
            NewestEvent = newest,
        };

    private static Dictionary<DateTimeOffset, OeeComponents> Buckets(params (int Minute, long Good)[] minutes) =>
        minutes.ToDictionary(m => T.AddMinutes(m.Minute), m => new OeeComponents { GoodCount = m.Good });
}
