namespace Ms5.Analytics.Andon;

/// <summary>
/// When the Alertmanager notifier may post while the engine catches up on a backlog (a plant reconnecting after an
/// outage, a replayed history). Such a backlog raises Andons for stops that ended long ago, and the next batches
/// resolve most of them. Posted at once, each one is a "firing" page about an old stop, then a "resolved" one;
/// a backlog of 1M events posted ~4,600 firing alerts to Alertmanager and cost it ~3 s of CPU. Held for a few
/// seconds, an Andon resolved meanwhile is never posted (Alertmanager notifies nobody of an alert that was only
/// ever resolved, so this is what it would have sent anyway), and one still open is posted when the hold ends.
/// </summary>
/// <remarks>
/// <para>A backlog's batch: one with at least <see cref="MinEvents"/> events more than <see cref="Behind"/> old
/// (counted, not judged by the newest: a reconnecting plant's backlog shares its batches with other plants' live
/// events). Live load has none: its batches hold the last ~200 ms of fresh events. A few old events (a late
/// correction, a short replay) are not a backlog either, and are posted at once.</para>
/// <para>The hold starts when a backlog's batch begins (before its commit wakes the notifier) and lasts while one is
/// in flight, then <see cref="Quiet"/> after the last one ended (the backlog is drained; a short last batch or a live
/// one does not end it sooner); a hold never lasts longer than <see cref="MaxHold"/> in a row: a long backlog posts
/// at least that often, so an Andon still open in it waits at most that long. The hold is the notifier's, so it
/// delays every post of this engine instance meanwhile (live Andons, escalations and re-posts included), by at most
/// <see cref="MaxHold"/>. Every Andon is still stored, published to ms5.andon.v1 and shown on the board at once.</para>
/// <para>Thread-safe: the engine's batches and the notifier's loop share one instance.</para>
/// </remarks>
public sealed class CatchUpHold
{
    /// <summary>Fewest old events that make a batch a backlog's.</summary>
    public const int MinEvents = 1000;

    /// <summary>How old an event must be to count as a backlog's.</summary>
    public static readonly TimeSpan Behind = TimeSpan.FromSeconds(60);

    /// <summary>How long after the last backlog batch the hold lasts (the next batch is usually there well before).</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    /// <summary>Longest an Andon's post waits while a backlog goes on.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(15);

    private readonly Lock _lock = new();
    private int _inFlight;
    private DateTimeOffset _until = DateTimeOffset.MinValue;
    private DateTimeOffset? _heldSince;

    /// <summary>Whether a batch whose events have these times is a backlog's: at least <see cref="MinEvents"/> of them more than <see cref="Behind"/> before <paramref name="now"/>.</summary>
    public static bool IsCatchUp(IEnumerable<DateTimeOffset> eventTimes, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(eventTimes);
        var old = 0;
        var before = now - Behind;
        foreach (var ts in eventTimes)
        {
            if (ts < before && ++old >= MinEvents)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A batch is about to be computed (before its commit wakes the notifier). Returns whether it is a backlog's; the
    /// caller passes that to <see cref="End"/> when the batch is done (committed, failed or abandoned).
    /// </summary>
    public bool Begin(IEnumerable<DateTimeOffset> eventTimes, DateTimeOffset now)
    {
        if (!IsCatchUp(eventTimes, now))
        {
            return false;
        }

        lock (_lock)
        {
            _inFlight++;
            return true;
        }
    }

    /// <summary>A batch begun with <see cref="Begin"/> is done; <paramref name="catchUp"/> is what Begin returned.</summary>
    public void End(bool catchUp, DateTimeOffset now)
    {
        if (!catchUp)
        {
            return;
        }

        lock (_lock)
        {
            _inFlight = Math.Max(0, _inFlight - 1);
            _until = now + Quiet;
        }
    }

    /// <summary>
    /// Whether the notifier waits now instead of posting. False ends a hold (the caller posts), so the next
    /// <see cref="MaxHold"/> is counted from the next deferral.
    /// </summary>
    public bool Defer(DateTimeOffset now)
    {
        lock (_lock)
        {
            if ((_inFlight > 0 || now < _until) && (_heldSince is null || now - _heldSince.Value < MaxHold))
            {
                _heldSince ??= now;
                return true;
            }

            _heldSince = null;
            return false;
        }
    }
}
