using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ms5.Analytics.Anomalies;

/// <summary>
/// Deterministic ids for flags: a name-based UUID version 5 (RFC 9562: SHA-1 of namespace and name), so scoring the
/// same stop again — live, after a restart, or replaying history — gives the same id and the flag is stored once.
/// </summary>
public static class AnomalyId
{
    /// <summary>The namespace of MS5 downtime anomalies: UUIDv5 of the URL namespace and "urn:ms5:downtime-anomaly".</summary>
    public static readonly Guid Namespace = new("ea7354c8-e3bb-56b1-8511-611312adea6e");

    /// <summary>The RFC 9562 URL namespace (6ba7b811-9dad-11d1-80b4-00c04fd430c8).</summary>
    public static readonly Guid UrlNamespace = new("6ba7b811-9dad-11d1-80b4-00c04fd430c8");

    /// <summary>
    /// The id of a flag: the name is "plant|machine|stop start (UTC, ISO 8601 with 7 fraction digits)|kind's wire
    /// name", e.g. "p1|press-01|2026-11-26T06:00:00.0000000Z|long_stop".
    /// </summary>
    public static Guid For(string plantId, string machineId, DateTimeOffset stopStart, AnomalyKind kind) =>
        NameBased(Namespace, string.Join('|', plantId, machineId, stopStart.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), AnomalyKinds.Name(kind)));

    /// <summary>UUIDv5 of <paramref name="name"/> (UTF-8) in <paramref name="ns"/>.</summary>
    public static Guid NameBased(Guid ns, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        ns.TryWriteBytes(input, bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);

        // SHA-1 because RFC 9562 defines version 5 with it; an id, not a security boundary.
#pragma warning disable CA5350
        var hash = SHA1.HashData(input);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
