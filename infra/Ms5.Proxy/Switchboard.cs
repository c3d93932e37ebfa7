using System.Collections.Concurrent;

namespace Ms5.Proxy;

/// <summary>
/// Which upstream new requests go to, and how many are still in flight on each. A request takes the active route and
/// counts itself on it in one step (<see cref="Enter"/>): once <see cref="SwitchAsync"/> has returned, no request
/// starts on the old upstream any more, and every one that did is in its in-flight count, so "in flight 0 after the
/// switch" means the old upstream may be stopped. The state file is written before the switch takes effect.
/// </summary>
internal sealed class Switchboard
{
    private readonly ConcurrentDictionary<string, Counters> _counters = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _switching = new(1, 1);
    private readonly StateFile _file;
    private readonly TimeProvider _time;
    private readonly ILogger<Switchboard> _logger;
    private Route? _active;
    private Upstream? _previous;

    public Switchboard(StateFile file, ProxyState initial, TimeProvider time, ILogger<Switchboard> logger)
    {
        _file = file;
        _time = time;
        _logger = logger;
        _previous = initial.Previous;
        if (initial.Active is { } a)
        {
            _active = new Route(a, CountersFor(a.Url));
            ProxyTelemetry.Activated(null, a, isSwitch: false);
        }

        if (_previous is { } p)
        {
            CountersFor(p.Url);
        }
    }

    public ProxyState State => new(Volatile.Read(ref _active)?.Upstream, Volatile.Read(ref _previous));

    /// <summary>The active upstream, counted as one request in flight on it; null when there is none. Dispose the lease when done.</summary>
    public Lease? Enter(bool webSocket)
    {
        while (true)
        {
            var route = Volatile.Read(ref _active);
            if (route is null)
            {
                return null;
            }

            Interlocked.Increment(ref route.Counters.InFlight);
            if (ReferenceEquals(Volatile.Read(ref _active), route))
            {
                Interlocked.Increment(ref route.Counters.Requests);
                if (webSocket)
                {
                    Interlocked.Increment(ref route.Counters.WebSockets);
                }

                ProxyTelemetry.Started(route.Upstream.Slot);
                return new Lease(route, webSocket);
            }

            // Switched meanwhile: this request goes to the new one.
            Interlocked.Decrement(ref route.Counters.InFlight);
        }
    }

    public IReadOnlyList<UpstreamCount> Counts()
    {
        var active = Volatile.Read(ref _active)?.Upstream.Url;
        return _counters.Values
            .OrderBy(c => c.Url == active ? 0 : 1).ThenBy(c => c.Url, StringComparer.Ordinal)
            .Select(c => new UpstreamCount(c.Url, Interlocked.Read(ref c.InFlight), Interlocked.Read(ref c.WebSockets), Interlocked.Read(ref c.Requests)))
            .ToList();
    }

    /// <summary>
    /// Makes <paramref name="slot"/>/<paramref name="url"/> the active upstream: persisted first, then new requests go there.
    /// Already active (same URL): nothing changes. The caller has checked that it is ready.
    /// </summary>
    public async Task<(ProxyState State, bool Changed)> SwitchAsync(string slot, string url, string release, CancellationToken ct)
    {
        await _switching.WaitAsync(ct);
        try
        {
            var current = Volatile.Read(ref _active);
            if (current?.Upstream.Url == url)
            {
                return (State, false);
            }

            var next = new Upstream(slot, url, release, _time.GetUtcNow());
            await _file.WriteAsync(new ProxyState(next, current?.Upstream), ct);
            Volatile.Write(ref _previous, current?.Upstream);
            // A full fence: a request that counted itself on the old route before this line is seen by the drain.
            Interlocked.Exchange(ref _active, new Route(next, CountersFor(url)));
            ProxyTelemetry.Activated(current?.Upstream, next, isSwitch: true);
            _logger.LogInformation("Switched to {Slot} {Url} (release {Release}) from {PreviousSlot} {PreviousUrl}", next.Slot, next.Url, next.Release, current?.Upstream.Slot, current?.Upstream.Url);
            return (State, true);
        }
        finally
        {
            _switching.Release();
        }
    }

    private Counters CountersFor(string url) => _counters.GetOrAdd(url, u => new Counters(u));

    internal sealed class Counters(string url)
    {
        public readonly string Url = url;
        public long InFlight;
        public long WebSockets;
        public long Requests;
    }

    internal sealed record Route(Upstream Upstream, Counters Counters);

    /// <summary>One request on one upstream; disposing it (with the status answered) ends it.</summary>
    internal sealed class Lease(Route route, bool webSocket)
    {
        public Upstream Upstream => route.Upstream;

        public void End(int status)
        {
            if (webSocket)
            {
                Interlocked.Decrement(ref route.Counters.WebSockets);
            }

            Interlocked.Decrement(ref route.Counters.InFlight);
            ProxyTelemetry.Finished(route.Upstream.Slot, status);
        }
    }
}
