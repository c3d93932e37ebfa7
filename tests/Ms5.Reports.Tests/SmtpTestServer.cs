using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Ms5.Reports.Tests;

/// <summary>What the test server took: the envelope (MAIL FROM, RCPT TO), the AUTH user and the parsed message.</summary>
internal sealed record ReceivedMail(string From, IReadOnlyList<string> To, string? User, MimeMessage Message);

/// <summary>
/// A real SMTP server (the SmtpServer package) on a free loopback port for one test: keeps every message it accepts,
/// refuses the recipients <c>acceptRecipient</c> says no to, and with a <c>login</c> requires AUTH
/// (PLAIN/LOGIN, allowed without TLS) with that user and password.
/// </summary>
internal sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly SmtpServer.SmtpServer server;
    private readonly Task running;
    private readonly CancellationTokenSource stop;

    private SmtpTestServer(SmtpServer.SmtpServer server, Task running, CancellationTokenSource stop, int port, ConcurrentQueue<ReceivedMail> received)
    {
        this.server = server;
        this.running = running;
        this.stop = stop;
        Port = port;
        Received = received;
    }

    public int Port { get; }

    public ConcurrentQueue<ReceivedMail> Received { get; }

    public static async Task<SmtpTestServer> StartAsync(Func<string, bool>? acceptRecipient = null, (string User, string Password)? login = null)
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e =>
            {
                e.Endpoint(new IPEndPoint(IPAddress.Loopback, 0)).SessionTimeout(TimeSpan.FromSeconds(10));
                if (login is not null)
                {
                    e.AuthenticationRequired(true).AllowUnsecureAuthentication(true);
                }
            })
            .Build();

        var received = new ConcurrentQueue<ReceivedMail>();
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, e) => started.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);
        var services = new ServiceProvider();
        services.Add(listeners);
        services.Add(new Store(received));
        services.Add(new DelegatingMailboxFilter((IMailbox to, IMailbox _) => acceptRecipient?.Invoke(to.AsAddress()) ?? true));
        if (login is { } l)
        {
            services.Add(new DelegatingUserAuthenticator((user, password) => user == l.User && password == l.Password));
        }

        var server = new SmtpServer.SmtpServer(options, services);
        var stop = new CancellationTokenSource();
        var running = server.StartAsync(stop.Token);
        var port = await started.Task.WaitAsync(TimeSpan.FromSeconds(5));
        return new SmtpTestServer(server, running, stop, port, received);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        server.Shutdown();
        await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5)));
        stop.Dispose();
    }

    private sealed class Store(ConcurrentQueue<ReceivedMail> received) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            received.Enqueue(new ReceivedMail(
                transaction.From.AsAddress(),
                [.. transaction.To.Select(t => t.AsAddress())],
                context.Authentication.IsAuthenticated ? context.Authentication.User : null,
                message));
            return SmtpResponse.Ok;
        }
    }
}
