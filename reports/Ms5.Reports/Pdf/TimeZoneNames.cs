using System.Collections.Frozen;
using System.Globalization;

namespace Ms5.Reports.Pdf;

/// <summary>
/// Short zone names ("CET", "CEST") for the report header. .NET exposes no abbreviations, so the zones plants are
/// likely to be in are listed here; any other zone prints its offset ("UTC+05:30"), which is never wrong.
/// </summary>
internal static class TimeZoneNames
{
    private static readonly FrozenDictionary<string, (string Standard, string Daylight)> ByZone = Build();

    public static string Abbreviation(TimeZoneInfo zone, DateTimeOffset instant)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var daylight = zone.IsDaylightSavingTime(instant);
        if (ByZone.TryGetValue(IanaId(zone), out var names))
        {
            return daylight ? names.Daylight : names.Standard;
        }

        var offset = zone.GetUtcOffset(instant);
        return offset == TimeSpan.Zero
            ? "UTC"
            : "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
    }

    private static string IanaId(TimeZoneInfo zone) =>
        zone.HasIanaId ? zone.Id : TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana) ? iana : zone.Id;

    private static FrozenDictionary<string, (string, string)> Build()
    {
        var map = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        void Add((string, string) names, params string[] zones)
        {
            foreach (var z in zones)
            {
                map[z] = names;
            }
        }

        Add(("CET", "CEST"),
            "Europe/Berlin", "Europe/Paris", "Europe/Vienna", "Europe/Zurich", "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam",
            "Europe/Brussels", "Europe/Luxembourg", "Europe/Prague", "Europe/Bratislava", "Europe/Warsaw", "Europe/Budapest",
            "Europe/Ljubljana", "Europe/Zagreb", "Europe/Belgrade", "Europe/Sarajevo", "Europe/Skopje", "Europe/Podgorica",
            "Europe/Tirane", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Malta", "Europe/Monaco",
            "Europe/Andorra", "Europe/Vaduz", "Europe/San_Marino", "Europe/Vatican", "Europe/Gibraltar", "Europe/Busingen",
            "Africa/Ceuta", "Arctic/Longyearbyen", "CET");
        Add(("EET", "EEST"),
            "Europe/Helsinki", "Europe/Athens", "Europe/Bucharest", "Europe/Sofia", "Europe/Riga", "Europe/Tallinn",
            "Europe/Vilnius", "Europe/Kyiv", "Europe/Kiev", "Europe/Chisinau", "Europe/Mariehamn", "Asia/Nicosia", "EET");
        Add(("WET", "WEST"), "Europe/Lisbon", "Atlantic/Canary", "Atlantic/Madeira", "Atlantic/Faroe", "WET");
        Add(("GMT", "BST"), "Europe/London", "Europe/Jersey", "Europe/Guernsey", "Europe/Isle_of_Man");
        Add(("GMT", "IST"), "Europe/Dublin");
        Add(("EST", "EDT"), "America/New_York", "America/Detroit", "America/Toronto", "America/Indiana/Indianapolis", "America/Kentucky/Louisville", "US/Eastern");
        Add(("CST", "CDT"), "America/Chicago", "America/Winnipeg", "US/Central");
        Add(("MST", "MDT"), "America/Denver", "America/Edmonton", "America/Boise", "US/Mountain");
        Add(("MST", "MST"), "America/Phoenix");
        Add(("PST", "PDT"), "America/Los_Angeles", "America/Vancouver", "America/Tijuana", "US/Pacific");
        Add(("JST", "JST"), "Asia/Tokyo");
        Add(("KST", "KST"), "Asia/Seoul");
        Add(("IST", "IST"), "Asia/Kolkata", "Asia/Calcutta");
        Add(("UTC", "UTC"), "UTC", "Etc/UTC", "Etc/Universal", "Etc/Zulu", "Universal", "Zulu");
        Add(("GMT", "GMT"), "GMT", "Etc/GMT");
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
