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
/// <see cref="AsOf"/> − <c>lookBack</c>; <see cref="ReadFrom"/> an hour earlier, because a burst counts the stops in
/// the hour before a stop. Stops that began before <see cref="ScoreFrom"/> but are in the history read (still open, or
/// ended inside it) are scored too: see <see cref="ScoreFromFor"/>.
/// </summary>
public sealed record LiveScoringWindow(DateTimeOffset AsOf, DateTimeOffset ScoreFrom, DateTimeOffset ReadFrom, bool Replay)
{
    /// <summary>The history a burst looks back over.</summary>
    public static readonly TimeSpan BurstHour = TimeSpan.FromHours(1);

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
        var readFrom = scoreFrom - BurstHour;
        if (oldestOpenFlag is { } open && open < readFrom)
        {
            var limit = asOf - openFlagLookBack;
            readFrom = open > limit ? open : (limit < readFrom ? limit : readFrom);
        }

        return new LiveScoringWindow(asOf, scoreFrom, readFrom, replay);
    }

    /// <summary>
    /// Where scoring starts for the stops built from the history read: <see cref="ScoreFrom"/>, or the start of the
    /// earliest of them when it began before (a long stop still open, or one that ended within the window however long
    /// ago it started: its flag must follow it to its end). Only such stops reach back before <see cref="ReadFrom"/>,
    /// one per machine at most, so they cost no extra history.
    /// </summary>
    public DateTimeOffset ScoreFromFor(IEnumerable<StopFeatures> stops)
    {
        ArgumentNullException.ThrowIfNull(stops);
        var from = ScoreFrom;
        foreach (var s in stops)
        {
            if (s.Start < from)
            {
                from = s.Start;
            }
        }

        return from;
    }
}
