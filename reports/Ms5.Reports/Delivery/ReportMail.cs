namespace Ms5.Reports.Delivery;

/// <summary>One mail: plain-text body and attachments, to every address in <see cref="To"/>.</summary>
public sealed record ReportMail(IReadOnlyList<string> To, string Subject, string TextBody, IReadOnlyList<MailAttachment> Attachments);

/// <summary>A file sent as is (base64), e.g. <c>report.pdf</c>, <c>application/pdf</c>.</summary>
public sealed record MailAttachment(string FileName, string ContentType, byte[] Content);

/// <summary>A report mail that did not go out: names the server (host:port), what failed and, when known, the server's answer.</summary>
public sealed class ReportMailException : Exception
{
    public ReportMailException(string host, int port, string message, Exception? inner)
        : base(message, inner)
    {
        Host = host;
        Port = port;
    }

    public string Host { get; }

    public int Port { get; }
}
