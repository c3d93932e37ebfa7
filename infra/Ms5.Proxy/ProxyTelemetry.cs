using System.Globalization;
using Prometheus;

namespace Ms5.Proxy;

/// <summary>The proxy's metrics (on the admin port's /metrics); labels are slots and status classes, never paths.</summary>
internal static class ProxyTelemetry
{
    public const string RequestsTotal = "ms5_proxy_requests_total";
    public const string InFlight = "ms5_proxy_in_flight";
    public const string SwitchesTotal = "ms5_proxy_switches_total";
    public const string ActiveInfo = "ms5_proxy_active_info";

    private static readonly Counter Requests = Metrics.CreateCounter(RequestsTotal, "Requests forwarded, by the upstream's slot and status class (2xx..5xx; 502 when the upstream did not answer).", "slot", "code");
    private static readonly Gauge InFlightGauge = Metrics.CreateGauge(InFlight, "Requests (WebSockets included) being forwarded now, by the upstream's slot.", "slot");
    private static readonly Counter Switches = Metrics.CreateCounter(SwitchesTotal, "Switches of the active upstream.");
    private static readonly Gauge Active = Metrics.CreateGauge(ActiveInfo, "1 for the active upstream's slot and release.", "slot", "release");

    public static void Started(string slot) => InFlightGauge.WithLabels(slot).Inc();

    public static void Finished(string slot, int status)
    {
        InFlightGauge.WithLabels(slot).Dec();
        Requests.WithLabels(slot, (status / 100).ToString(CultureInfo.InvariantCulture) + "xx").Inc();
    }

    public static void Activated(Upstream? from, Upstream to, bool isSwitch)
    {
        if (from is not null)
        {
            Active.RemoveLabelled(from.Slot, from.Release);
        }

        Active.WithLabels(to.Slot, to.Release).Set(1);
        if (isSwitch)
        {
            Switches.Inc();
        }
    }
}
