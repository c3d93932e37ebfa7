using System.Net;
using System.Net.Sockets;

namespace Ms5.Integration.Tests.Support;

/// <summary>
/// Ports for the processes and listeners the tests start. A port the kernel hands out for port 0 is an ephemeral one:
/// between the test releasing it and the child binding it, any outgoing connection on this machine (hundreds a second
/// from the engines, historians and PostgreSQL clients of a running suite) may take it as its local port, and the child
/// then fails with "address already in use". These ports come from below the kernel's ephemeral range instead (which no
/// outgoing connection uses), each claimed by a lock file held until this process exits, so two test processes never
/// pick the same one, and each checked free before it is handed out. (On a host whose ephemeral range reaches into
/// these ports the race is back for the ports it shares, nothing else changes: widen it with
/// <c>sysctl -w net.ipv4.ip_local_port_range="32768 60999"</c>.)
/// </summary>
internal static class TestPorts
{
    private const int First = 20000;
    private const int Count = 10000;
    // Per user: another user's lock files could not be opened for writing.
    private static readonly string LockDir = Path.Combine(Path.GetTempPath(), $"ms5-test-ports-{Environment.UserName}");
    private static readonly List<FileStream> Claims = [];
    private static int _next = Random.Shared.Next(Count);

    static TestPorts() => Directory.CreateDirectory(LockDir);

    /// <summary>A port on 127.0.0.1 nobody listens on, that no other caller here or in another test process gets.</summary>
    public static int Next()
    {
        for (var tried = 0; tried < Count; tried++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            if (Claim(port) && IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free port left in {First}-{First + Count - 1}");
    }

    private static bool Claim(int port)
    {
        try
        {
            // FileShare.None is an exclusive flock on Linux: released when this process ends, however it ends.
            var claim = new FileStream(Path.Combine(LockDir, $"{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            lock (Claims)
            {
                Claims.Add(claim);
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Held by another test process (or not ours to open): the port is taken.
            return false;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
