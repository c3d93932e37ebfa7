using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Ms5.Reports.Delivery;

/// <summary>
/// Sends report mails through the SMTP server of <see cref="SmtpOptions"/> (MailKit), one connection per mail.
/// A mail that does not go out throws <see cref="ReportMailException"/> naming host:port, the step that failed
/// and the server's answer; cancellation throws <see cref="OperationCanceledException"/>.
/// </summary>
public sealed partial class ReportMailer(IOptions<SmtpOptions> options, ILogger<ReportMailer> logger)
{
    private readonly SmtpOptions options = options.Value;

    /// <summary>Whether a server is configured (<c>Reports:Smtp:Host</c>); without one <see cref="SendAsync"/> refuses.</summary>
    public bool IsEnabled => options.IsEnabled;

    public async Task SendAsync(ReportMail mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var host = options.Host?.Trim() ?? "";
        var port = options.Port;
        if (!IsEnabled)
        {
            throw new ReportMailException(host, port, $"cannot send report mail '{mail.Subject}': {SmtpOptions.Section}:Host is not set (e-mail delivery is off)", null);
        }

        var message = Compose(mail);
        var password = await PasswordAsync(host, port, ct).ConfigureAwait(false);
        var step = "connecting";
        using var client = new SmtpClient { Timeout = (int)Math.Ceiling(options.Timeout.TotalMilliseconds) };
        try
        {
            await client.ConnectAsync(host, port, options.SocketOptions, ct).ConfigureAwait(false);
            if (!string.IsNullOrWhiteSpace(options.UserName))
            {
                step = $"authenticating as '{options.UserName}'";
                await client.AuthenticateAsync(options.UserName, password, ct).ConfigureAwait(false);
            }

            step = "sending";
            await client.SendAsync(message, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw new ReportMailException(host, port, $"report mail '{mail.Subject}' via {host}:{port} failed {step}: {Describe(ex, options.Timeout)}", ex);
        }

        try
        {
            await client.DisconnectAsync(quit: true, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The server has taken the mail: throwing now would have it sent again. Said, not hidden.
            LogQuitFailed(logger, host, port, ex.Message);
        }

        LogSent(logger, mail.Subject, mail.To.Count, host, port);
    }

    private MimeMessage Compose(ReportMail mail)
    {
        if (mail.To.Count == 0)
        {
            throw new ArgumentException($"report mail '{mail.Subject}' has no recipients", nameof(mail));
        }

        var message = new MimeMessage { Subject = mail.Subject, Date = DateTimeOffset.UtcNow };
        message.From.Add(options.Sender);
        foreach (var to in mail.To)
        {
            if (!SmtpOptions.TryMailbox(to, out var mailbox))
            {
                throw new ArgumentException($"report mail '{mail.Subject}': recipient '{to}' is not an e-mail address", nameof(mail));
            }

            message.To.Add(mailbox);
        }

        var body = new Multipart("mixed") { new TextPart("plain") { Text = mail.TextBody } };
        foreach (var a in mail.Attachments)
        {
            if (string.IsNullOrWhiteSpace(a.FileName) || !ContentType.TryParse(a.ContentType, out var type))
            {
                throw new ArgumentException($"report mail '{mail.Subject}': attachment '{a.FileName}' needs a file name and a content type, got '{a.ContentType}'", nameof(mail));
            }

            // Base64 for every attachment, text too: the CSV arrives byte for byte (no line-ending rewriting).
            body.Add(new MimePart(type)
            {
                Content = new MimeContent(new MemoryStream(a.Content, writable: false)),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = a.FileName,
            });
        }

        message.Body = body;
        return message;
    }

    private async Task<string> PasswordAsync(string host, int port, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(options.PasswordFile))
        {
            return options.Password ?? "";
        }

        try
        {
            return (await File.ReadAllTextAsync(options.PasswordFile, ct).ConfigureAwait(false)).TrimEnd('\r', '\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ReportMailException(host, port, $"cannot read the SMTP password for {host}:{port} from {SmtpOptions.Section}:PasswordFile '{options.PasswordFile}': {ex.Message}", ex);
        }
    }

    private static string Describe(Exception ex, TimeSpan timeout) => ex switch
    {
        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } c =>
            $"the server refused recipient {c.Mailbox}: {(int)c.StatusCode} {c.Message}",
        SmtpCommandException { ErrorCode: SmtpErrorCode.SenderNotAccepted } c =>
            $"the server refused sender {c.Mailbox}: {(int)c.StatusCode} {c.Message}",
        SmtpCommandException c => $"the server answered {(int)c.StatusCode} {c.Message}",
        AuthenticationException a => $"authentication failed: {a.Message}",
        SocketException s => $"cannot connect ({s.SocketErrorCode}): {s.Message}",
        TimeoutException or OperationCanceledException => $"no answer within {timeout:c} ({SmtpOptions.Section}:Timeout): {ex.Message}",
        _ => ex.Message,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Report mail '{Subject}' sent to {Recipients} recipient(s) via {Host}:{Port}")]
    private static partial void LogSent(ILogger logger, string subject, int recipients, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Report mail was accepted by {Host}:{Port}, but closing the connection failed: {Error}")]
    private static partial void LogQuitFailed(ILogger logger, string host, int port, string error);
}
