namespace Ms5.Stream.Sinks;

/// <summary>Exponential backoff for retrying a durable write: 200 ms doubling up to a cap; reset on success.</summary>
internal sealed class Backoff(TimeSpan max)
{
    private static readonly TimeSpan First = TimeSpan.FromMilliseconds(200);
    private TimeSpan _next = First;

    public int Failures { get; private set; }

    public TimeSpan NextDelay()
    {
        Failures++;
        var d = _next;
        _next = TimeSpan.FromTicks(Math.Min(max.Ticks, _next.Ticks * 2));
        return d;
    }

    public void Reset()
    {
        Failures = 0;
        _next = First;
    }
}
