namespace Ms5.Proxy;

/// <summary>One API instance the proxy can forward to: its slot (blue, green), URL, release and when it became active.</summary>
internal sealed record Upstream(string Slot, string Url, string Release, DateTimeOffset Since);

/// <summary>The active upstream and the one before it: what /proxy/switch answers and what the state file holds.</summary>
internal sealed record ProxyState(Upstream? Active, Upstream? Previous);

/// <summary>Requests forwarded to one upstream URL: in flight now (WebSockets included, and also counted alone) and in total.</summary>
internal sealed record UpstreamCount(string Url, long InFlight, long WebSockets, long Requests);

/// <summary>GET /proxy/state.</summary>
internal sealed record ProxyStateResponse(Upstream? Active, Upstream? Previous, IReadOnlyList<UpstreamCount> Upstreams);

/// <summary>POST /proxy/switch body.</summary>
internal sealed record SwitchRequest(string? Slot, string? Url, string? Release);
