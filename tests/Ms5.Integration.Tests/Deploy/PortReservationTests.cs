using System.Text.RegularExpressions;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Deploy;

/// <summary>
/// The local stack listens on fixed ports inside Linux's range for outgoing connections' local ports (32768-60999), so a
/// client's connection could hold one and the process that listens there would not start (seen: the proxy's admin
/// port held by the dev broker's own loopback connection). `./ms5 up` adds every fixed port of the stack (moved by
/// MS5_PORT_OFFSET) to net.ipv4.ip_local_reserved_ports, keeping what is there. Run as ./ms5 runs it: bash with
/// services.sh and releases.sh sourced, on a copy of the kernel's list; and on the kernel's own list of this machine,
/// which `./ms5 test` reserved when it is root.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class PortReservationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ms5-ports-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int ExitCode, string Output)> BashAsync(string script, int offset = 0) =>
        ChildProcess.RunProgramAsync("bash",
            new Dictionary<string, string> { ["MS5_HOME"] = Path.Combine(_dir, "home"), ["MS5_PORT_OFFSET"] = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            TimeSpan.FromSeconds(30), "-c", "set -euo pipefail; source infra/local/services.sh; source infra/local/releases.sh; " + script);

    private static HashSet<int> Ports(string list)
    {
        var set = new HashSet<int>();
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-');
            for (var p = int.Parse(ends[0], System.Globalization.CultureInfo.InvariantCulture); p <= int.Parse(ends[^1], System.Globalization.CultureInfo.InvariantCulture); p++)
            {
                set.Add(p);
            }
        }

        return set;
    }

    /// <summary>Every port in the ephemeral range that the scripts give a listener: `port NNNNN` and both slots' ports.</summary>
    private async Task<SortedSet<int>> ListenedPortsAsync(int offset)
    {
        var (code, output) = await BashAsync("for s in blue green; do for p in api stream oee reports; do echo \"slot:$(slot_port $s $p)\"; done; done", offset);
        Assert.True(code == 0, output);
        var ports = new SortedSet<int>(output.Split('\n').Where(l => l.StartsWith("slot:", StringComparison.Ordinal)).Select(l => int.Parse(l[5..], System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var script in new[] { "ms5", "infra/local/services.sh", "infra/local/releases.sh" })
        {
            foreach (Match m in PortCall().Matches(await File.ReadAllTextAsync(Path.Combine(Repo.Root, script))))
            {
                var p = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) + offset;
                if (p >= 32768)
                {
                    ports.Add(p);
                }
            }
        }

        return ports;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task Up_ReservesEveryListenedPort_KeepsTheListsOtherEntries_AndSaysNothingTheSecondTime(int offset)
    {
        var file = Path.Combine(_dir, "reserved");
        await File.WriteAllTextAsync(file, "8080,59090-59093\n");
        var (code, output) = await BashAsync($"RESERVED_PORTS_FILE={file}; reserve_ports", offset);
        Assert.True(code == 0, output);
        var listened = await ListenedPortsAsync(offset);
        Assert.True(listened.Count >= 17, string.Join(',', listened));
        var reserved = Ports(await File.ReadAllTextAsync(file));
        Assert.Subset(reserved, new HashSet<int>(listened));
        Assert.Superset(Ports("8080,59090-59093"), reserved);
        Assert.Contains("[ms5] reserved the stack's ports", output, StringComparison.Ordinal);
        Assert.Contains(59092 + offset, reserved);

        var before = await File.ReadAllTextAsync(file);
        (code, output) = await BashAsync($"RESERVED_PORTS_FILE={file}; reserve_ports", offset);
        Assert.True(code == 0, output);
        Assert.DoesNotContain("[ms5]", output, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task WithoutTheKernelsList_UpGoesOn()
    {
        var (code, output) = await BashAsync($"RESERVED_PORTS_FILE={_dir}/none; reserve_ports; RESERVED_PORTS_FILE={_dir}; reserve_ports; echo went-on");
        Assert.True(code == 0, output);
        Assert.Equal("went-on", output.Trim());
    }

    [Fact]
    public async Task OnThisMachine_TheStacksPortsAreReserved_OrUpSaysHow()
    {
        const string Kernel = "/proc/sys/net/ipv4/ip_local_reserved_ports";
        var (code, output) = await BashAsync("reserve_ports");
        Assert.True(code == 0, output);
        var reserved = Ports(await File.ReadAllTextAsync(Kernel));
        var missing = (await ListenedPortsAsync(0)).Where(p => !reserved.Contains(p)).ToList();
        // ./ms5 test (or the call above) reserved them where the kernel's list is writable (root, not a read-only
        // /proc/sys as in a container); otherwise up says which ports are not reserved and how to reserve them.
        if (missing.Count > 0)
        {
            Assert.Contains("WARNING: ports ", output, StringComparison.Ordinal);
            Assert.Contains("sysctl -w net.ipv4.ip_local_reserved_ports=", output, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("WARNING", output, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"\bport (\d{4,5})\b")]
    private static partial Regex PortCall();
}
