using Ms5.ServiceDefaults;

namespace Ms5.Reports;

/// <summary>Report settings (configuration section <c>Reports</c>, e.g. <c>Reports__Grace=00:10:00</c>).</summary>
public sealed class ReportOptions : ISelfValidatingOptions
{
    public const string Section = "Reports";

    /// <summary>A shift (day, week) report is made this long after the shift ends, so late events are in.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A host that was down makes the reports it missed from at most this far back.</summary>
    public TimeSpan CatchUp { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Reports whose span ended longer ago than this are deleted.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(180);

    /// <summary>A scheduled report waits (up to this long after it is due) until the engine has computed its whole span.</summary>
    public TimeSpan MaxWaitForData { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the host looks for late data that changed a report (the engine's change log).</summary>
    public TimeSpan RevisionCheckInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Changes younger than this are left for the next check: a replay in flight makes one revision, not many.</summary>
    public TimeSpan RevisionQuietPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Reports requested through the API up to this size (machines × minutes) are made while the caller waits; bigger ones answer 202.</summary>
    public long MaxSyncMachineMinutes { get; set; } = 2_000_000;

    /// <summary>Longest range a range report may cover.</summary>
    public TimeSpan MaxRange { get; set; } = TimeSpan.FromDays(31);

    /// <summary>Where the reports host serves /healthz, /readyz and /metrics.</summary>
    public int MetricsPort { get; set; } = 59467;

    /// <summary>Quartz scheduler name: instances with the same name (and database) form one cluster.</summary>
    public string SchedulerName { get; set; } = "ms5-reports";

    /// <summary>Whether scheduled reports are e-mailed where the plant file asks for it (SMTP in <c>Reports:Smtp</c>).</summary>
    public bool Email { get; set; } = true;

    /// <summary>The public address of the API, for links in e-mails (e.g. https://ms5.plant.local).</summary>
    public string? PublicUrl { get; set; }

    public IEnumerable<string> Validate()
    {
        if (Grace < TimeSpan.Zero || Grace > TimeSpan.FromDays(1))
        {
            yield return $"{Section}:Grace must be between 0 and 1 day, got {Grace}";
        }

        if (CatchUp <= TimeSpan.Zero || CatchUp > TimeSpan.FromDays(92))
        {
            yield return $"{Section}:CatchUp must be more than 0 and at most 92 days, got {CatchUp}";
        }

        if (Retention < TimeSpan.FromDays(1))
        {
            yield return $"{Section}:Retention must be at least 1 day, got {Retention}";
        }

        if (MaxWaitForData < TimeSpan.Zero)
        {
            yield return $"{Section}:MaxWaitForData must not be negative, got {MaxWaitForData}";
        }

        if (RevisionCheckInterval < TimeSpan.FromSeconds(1))
        {
            yield return $"{Section}:RevisionCheckInterval must be at least 1 second, got {RevisionCheckInterval}";
        }

        if (RevisionQuietPeriod < TimeSpan.Zero)
        {
            yield return $"{Section}:RevisionQuietPeriod must not be negative, got {RevisionQuietPeriod}";
        }

        if (MaxSyncMachineMinutes < 0)
        {
            yield return $"{Section}:MaxSyncMachineMinutes must not be negative, got {MaxSyncMachineMinutes}";
        }

        if (MaxRange <= TimeSpan.Zero)
        {
            yield return $"{Section}:MaxRange must be positive, got {MaxRange}";
        }

        if (MetricsPort is < 0 or > 65535)
        {
            yield return $"{Section}:MetricsPort must be a TCP port (0-65535), got {MetricsPort}";
        }

        if (string.IsNullOrWhiteSpace(SchedulerName))
        {
            yield return $"{Section}:SchedulerName must not be empty";
        }

        if (PublicUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            yield return $"{Section}:PublicUrl must be an absolute URL, got '{url}'";
        }
    }
}
