using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using Ms5.Reports.Delivery;

namespace Ms5.Reports.Tests;

/// <summary><see cref="ReportMailer"/> against a real SMTP server started by each test on a free loopback port.</summary>
public sealed class ReportMailerTests : IDisposable
{
    // Generous: the whole suite runs test classes in parallel on two cores (PDF rendering, browsers), and a send that
    // met a 5 s limit alone once missed it there. The timeout test below sets its own 300 ms.
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    // A PDF header, then every byte value: a transfer that rewrites line endings or drops the 8th bit shows.
    private static readonly byte[] Pdf = [.. "%PDF-1.7\n%\u00e2\u00e3\n"u8.ToArray(), .. Enumerable.Range(0, 256).Select(i => (byte)i), .. "\r\n\n\r%%EOF\n"u8.ToArray()];
    private static readonly byte[] Csv = "\uFEFFmachine;oee\npress-01;0.748\r\npress-02;0.700\n"u8.ToArray();

    private readonly string tempDir = Directory.CreateTempSubdirectory("ms5-mail-").FullName;

    public void Dispose() => Directory.Delete(tempDir, recursive: true);

    private static ReportMailer Mailer(int port, Action<SmtpOptions>? edit = null)
    {
        var options = new SmtpOptions { Host = "127.0.0.1", Port = port, From = "MS5 <ms5@plant.example>", Timeout = Generous };
        edit?.Invoke(options);
        Assert.Empty(options.Validate());
        return new ReportMailer(Options.Create(options), NullLogger<ReportMailer>.Instance);
    }

    private static ReportMail Mail(params string[] to) => ReportMailComposer.Compose(Some.ShiftFacts(), to, Pdf, Csv);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task SendAsync_ReportMail_ServerReceivesEnvelopeSubjectBodyAndExactAttachments()
    {
        await using var server = await SmtpTestServer.StartAsync();
        var mail = Mail("line1.lead@example.com", "plant.manager@example.com");

        await Mailer(server.Port).SendAsync(mail, CancellationToken.None);

        var got = Assert.Single(server.Received);
        Assert.Equal("ms5@plant.example", got.From);
        Assert.Equal(["line1.lead@example.com", "plant.manager@example.com"], got.To);
        Assert.Null(got.User);
        Assert.Equal("MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %", got.Message.Subject);
        Assert.Equal(["\"MS5\" <ms5@plant.example>"], got.Message.From.Select(a => a.ToString()));
        Assert.Equal(["line1.lead@example.com", "plant.manager@example.com"], got.Message.To.Mailboxes.Select(m => m.Address));
        var body = Assert.IsType<string>(got.Message.TextBody);
        Assert.Equal(mail.TextBody.ReplaceLineEndings("\n"), body.ReplaceLineEndings("\n"));
        var attachments = got.Message.Attachments.OfType<MimePart>().ToList();
        Assert.Equal(["ms5-shift-line-1-2026-11-17-early.pdf", "ms5-shift-line-1-2026-11-17-early.csv"], attachments.Select(a => a.FileName));
        Assert.Equal(["application/pdf", "text/csv"], attachments.Select(a => a.ContentType.MimeType));
        Assert.Equal(Pdf, Decoded(attachments[0]));
        Assert.Equal(Csv, Decoded(attachments[1]));
    }

    [Fact]
    public async Task SendAsync_WhenServerRefusesARecipient_ThrowsNamingRecipientAndAnswer()
    {
        await using var server = await SmtpTestServer.StartAsync(acceptRecipient: to => to != "gone@example.com");

        var ex = await Assert.ThrowsAsync<ReportMailException>(() => Mailer(server.Port).SendAsync(Mail("lead@example.com", "gone@example.com"), CancellationToken.None));

        Assert.Equal(
            $"report mail 'MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %' via 127.0.0.1:{server.Port} failed sending: the server refused recipient gone@example.com: 550 mailbox unavailable",
            ex.Message);
        Assert.Equal(("127.0.0.1", server.Port), (ex.Host, ex.Port));
        Assert.Empty(server.Received);
    }

    [Fact]
    public async Task SendAsync_WhenNothingListens_ThrowsNamingHostAndPort()
    {
        var port = FreePort();

        var ex = await Assert.ThrowsAsync<ReportMailException>(() => Mailer(port).SendAsync(Mail("lead@example.com"), CancellationToken.None));

        Assert.StartsWith($"report mail 'MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %' via 127.0.0.1:{port} failed connecting: cannot connect (ConnectionRefused): ", ex.Message, StringComparison.Ordinal);
        Assert.IsType<SocketException>(ex.InnerException);
    }

    [Fact]
    public async Task SendAsync_WhenServerNeverAnswers_TimesOutNamingTheTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var started = DateTime.UtcNow;

        var ex = await Assert.ThrowsAsync<ReportMailException>(() => Mailer(port, o => o.Timeout = TimeSpan.FromMilliseconds(300)).SendAsync(Mail("lead@example.com"), CancellationToken.None));

        Assert.StartsWith($"report mail 'MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %' via 127.0.0.1:{port} failed connecting: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("00:00:00.3000000 (Reports:Smtp:Timeout)", ex.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < Generous, "the 300 ms timeout was not applied");
    }

    [Fact]
    public async Task SendAsync_WithUserAndPassword_Authenticates()
    {
        await using var server = await SmtpTestServer.StartAsync(login: ("ms5", "s3cret pass"));

        await Mailer(server.Port, o => (o.UserName, o.Password) = ("ms5", "s3cret pass")).SendAsync(Mail("lead@example.com"), CancellationToken.None);

        var got = Assert.Single(server.Received);
        Assert.Equal("ms5", got.User);
        Assert.Equal(["lead@example.com"], got.To);
    }

    [Fact]
    public async Task SendAsync_WithPasswordFile_ReadsItAtEachSend()
    {
        await using var server = await SmtpTestServer.StartAsync(login: ("ms5", "from-file"));
        var file = Path.Combine(tempDir, "smtp-password");
        var mailer = Mailer(server.Port, o => (o.UserName, o.PasswordFile) = ("ms5", file));
        await File.WriteAllTextAsync(file, "outdated\n");

        var ex = await Assert.ThrowsAsync<ReportMailException>(() => mailer.SendAsync(Mail("lead@example.com"), CancellationToken.None));
        await File.WriteAllTextAsync(file, "from-file\r\n");
        await mailer.SendAsync(Mail("lead@example.com"), CancellationToken.None);

        Assert.StartsWith($"report mail 'MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %' via 127.0.0.1:{server.Port} failed authenticating as 'ms5': authentication failed: ", ex.Message, StringComparison.Ordinal);
        Assert.Equal("ms5", Assert.Single(server.Received).User);
    }

    [Fact]
    public async Task SendAsync_WhenPasswordFileIsMissing_ThrowsNamingTheFile()
    {
        var file = Path.Combine(tempDir, "no-such-secret");

        var ex = await Assert.ThrowsAsync<ReportMailException>(() => Mailer(2525, o => (o.UserName, o.PasswordFile) = ("ms5", file)).SendAsync(Mail("lead@example.com"), CancellationToken.None));

        Assert.StartsWith($"cannot read the SMTP password for 127.0.0.1:2525 from Reports:Smtp:PasswordFile '{file}': ", ex.Message, StringComparison.Ordinal);
        Assert.IsType<FileNotFoundException>(ex.InnerException);
    }

    [Fact]
    public async Task SendAsync_WhenNoHostIsConfigured_ThrowsThatMailIsOff()
    {
        var mailer = new ReportMailer(Options.Create(new SmtpOptions()), NullLogger<ReportMailer>.Instance);

        var ex = await Assert.ThrowsAsync<ReportMailException>(() => mailer.SendAsync(Mail("lead@example.com"), CancellationToken.None));

        Assert.False(mailer.IsEnabled);
        Assert.Equal("cannot send report mail 'MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %': Reports:Smtp:Host is not set (e-mail delivery is off)", ex.Message);
    }

    [Theory]
    [InlineData("bob@")]
    [InlineData("not an address")]
    public async Task SendAsync_WhenARecipientIsNotAnAddress_RefusesBeforeConnecting(string to)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Mailer(FreePort()).SendAsync(Mail("lead@example.com", to), CancellationToken.None));

        Assert.StartsWith($"report mail 'MS5 shift report: Stamping (line-1) early 2026-11-17 — OEE 74.8 %': recipient '{to}' is not an e-mail address", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_WhenCancelled_ThrowsOperationCanceled()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Mailer(((IPEndPoint)silent.LocalEndpoint).Port).SendAsync(Mail("lead@example.com"), cts.Token));
    }

    private static byte[] Decoded(MimePart part)
    {
        using var stream = new MemoryStream();
        Assert.NotNull(part.Content);
        part.Content.DecodeTo(stream);
        return stream.ToArray();
    }
}
