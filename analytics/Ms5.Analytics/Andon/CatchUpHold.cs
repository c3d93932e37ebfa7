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
/// <para>Catching up: a batch of at least <see cref="MinEvents"/> events whose newest event is more than
/// <see cref="Behind"/> old. Live load is neither: its batches hold the last ~200 ms of fresh events. A few old
/// events (a late correction, a short replay) are not a backlog either, and are posted at once.</para>
/// <para>The hold starts when a backlog's batch begins (before its commit wakes the notifier) and ends when a batch
/// is not a backlog's, <see cref="Quiet"/> after the last backlog batch ended (the backlog is drained), or after
/// <see cref="MaxHold"/>: a long backlog posts at least that often, so an Andon still open
/// in it waits at most that long. Every Andon is still stored, published to ms5.andon.v1 and shown on the board
/// at once; only the Alertmanager post waits.</para>
/// Not thread-safe by itself: the engine's batch and the notifier's loop share one instance under its lock.
/// </remarks>
public sealed class CatchUpHold
{
    /// <summary>Fewest events of a batch that can be a backlog's.</summary>
    public const int MinEvents = 1000;

    /// <summary>How old a batch's newest event must be for the batch to be a backlog's.</summary>
    public static readonly TimeSpan Behind = TimeSpan.FromSeconds(60);

    /// <summary>How long after the last backlog batch the hold lasts (the next batch is usually there well before).</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    /// <summary>Longest an Andon's post waits while a backlog goes on.</summary>
    public static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(15);

    private readonly Lock _lock = new();
    private DateTimeOffset _until = DateTimeOffset.MinValue;
    private DateTimeOffset? _heldSince;

    /// <summary>Whether a batch of <paramref name="events"/> events, the newest at <paramref name="newest"/>, is a backlog's.</summary>
    public static bool IsCatchUp(int events, DateTimeOffset newest, DateTimeOffset now) => events >= MinEvents && newest < now - Behind;

    /// <summary>
    /// A batch is about to be computed (before its commit wakes the notifier): a backlog's holds posts until
    /// <see cref="Quiet"/> after its <see cref="End"/>, any other ends the hold at once.
    /// </summary>
    public void Begin(int events, DateTimeOffset newest, DateTimeOffset now)
    {
        lock (_lock)
        {
            _until = IsCatchUp(events, newest, now) ? DateTimeOffset.MaxValue : DateTimeOffset.MinValue;
        }
    }

    /// <summary>The batch begun last is done (committed or failed).</summary>
    public void End(DateTimeOffset now)
    {
        lock (_lock)
        {
            if (_until == DateTimeOffset.MaxValue)
            {
                _until = now + Quiet;
            }
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
            if (now < _until && (_heldSince is null || now - _heldSince.Value < MaxHold))
            {
                _heldSince ??= now;
                return true;
            }

            _heldSince = null;
            return false;
        }
    }
}
