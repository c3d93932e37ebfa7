using Microsoft.Extensions.Time.Testing;

namespace Ms5.Stream.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also reports each timer created on it (a retry's backoff delay), so a
/// test advances the clock only once the timer exists and can state the exact delay asked for.
/// </summary>
internal sealed class TimerRecordingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _lock = new();
    private readonly Queue<TimeSpan> _created = new();
    private readonly SemaphoreSlim _available = new(0);

    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

    public TimerRecordingClock()
        : this(T0)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Registered before it is reported: an Advance right after the report must fire it.
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_lock)
        {
            _created.Enqueue(dueTime);
        }

        _available.Release();
        return timer;
    }

    /// <summary>The due time of the next timer created (waits for it).</summary>
    public async Task<TimeSpan> NextTimerAsync()
    {
        if (!await _available.WaitAsync(Journal.HangGuard))
        {
            throw new TimeoutException("no timer was created");
        }

        lock (_lock)
        {
            return _created.Dequeue();
        }
    }
}
