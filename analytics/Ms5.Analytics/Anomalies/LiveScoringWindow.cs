namespace Ms5.Analytics.Anomalies;

/// <summary>
/// The instants of one live scoring run of a plant. <see cref="AsOf"/> is the instant stops are judged as of:
/// <list type="bullet">
/// <item>the wall clock (<c>now</c>) while the plant reports live, i.e. its newest event is at most
/// <c>liveWithin</c> old: an open stop is judged by how long it has lasted until now;</item>
/// <item>the plant's newest event when it is older than that (history of a past period replayed, or a plant that
/// stopped reporting altogether): a stop "open" at the end of that history is judged by how long it had lasted at the
/// last thing the plant said, not until today, so replaying a past week gives the flags it would have had live.</item>
/// </list>
/// A whole plant silent for longer than <c>liveWithin</c> therefore freezes its open stops at its last event: without
/// any event, MS5 cannot tell a machine still down from a feed that stopped. <see cref="ScoreFrom"/> is
/// <see cref="AsOf"/> − <c>lookBack</c>; <see cref="ReadFrom"/> <see cref="ContextReach"/> earlier, because a stop's
/// features count the stops before it in its hour (bursts) and in its shift (pile-ups): stops from
/// <see cref="ScoreFrom"/> on see the same context as in training, so they get the same flags and ids. Stops that
/// began before <see cref="ScoreFrom"/> but were open or ended after it are judged by their length (and reason) too:
/// see <see cref="Earlier"/>.
/// </summary>
public sealed record LiveScoringWindow(DateTimeOffset AsOf, DateTimeOffset ScoreFrom, DateTimeOffset ReadFrom, bool Replay)
{
    /// <summary>
    /// The history before a stop its features count: its shift so far and the hour before it, and the run before it
    /// (training reads a day before its window too), so live and training features agree for shifts up to a day.
    /// </summary>
    public static readonly TimeSpan ContextReach = TimeSpan.FromDays(1);

    /// <summary>
    /// The run's window; null when the plant has no events at all (nothing to judge). <paramref name="oldestOpenFlag"/>:
    /// the start of the plant's oldest flag still stored open; the history read reaches back to it (at most
    /// <paramref name="openFlagLookBack"/> before <see cref="AsOf"/>) so that its stop is followed to its end even when
    /// it ended while no run saw it (the engine was down longer than the look-back).
    /// </summary>
    public static LiveScoringWindow? For(
        DateTimeOffset now, DateTimeOffset? latestEvent, TimeSpan lookBack, TimeSpan liveWithin, DateTimeOffset? oldestOpenFlag = null, TimeSpan openFlagLookBack = default)
    {
        if (latestEvent is not { } latest)
        {
            return null;
        }

        var replay = now - latest > liveWithin;
        var asOf = replay ? latest : now;
        var scoreFrom = asOf - lookBack;
        var readFrom = scoreFrom - ContextReach;
        if (oldestOpenFlag is { } open && open < readFrom)
        {
            var limit = asOf - openFlagLookBack;
            readFrom = open > limit ? open : (limit < readFrom ? limit : readFrom);
        }

        return new LiveScoringWindow(asOf, scoreFrom, readFrom, replay);
    }

    /// <summary>
    /// The stops of the history read that began before <see cref="ScoreFrom"/> but were still open at it or ended
    /// after it (a long stop still going, or one that ended within the window however long ago it began): their flag must
    /// follow them to their end, so they are judged by their length and reason (not by counts before them, which the
    /// history read may not hold in full).
    /// </summary>
    public IReadOnlyList<StopFeatures> Earlier(IEnumerable<StopFeatures> stops)
    {
        ArgumentNullException.ThrowIfNull(stops);
        return stops.Where(s => s.Start < ScoreFrom && (s.End is null || s.End >= ScoreFrom)).ToList();
    }
}
