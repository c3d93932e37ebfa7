namespace Ms5.Ops.Checks;

/// <summary>PASS: verified; FAIL: verified wrong (or could not be verified though it applies); SKIP: does not apply here.</summary>
internal enum CheckStatus
{
    Pass,
    Fail,
    Skip,
}

/// <summary>What one check found: <see cref="Detail"/> is one line naming what is wrong (or what was verified).</summary>
internal sealed record CheckOutcome(CheckStatus Status, string Detail)
{
    public static CheckOutcome Pass(string detail) => new(CheckStatus.Pass, detail);

    public static CheckOutcome Fail(string detail) => new(CheckStatus.Fail, detail);

    public static CheckOutcome Skip(string reason) => new(CheckStatus.Skip, reason);
}

/// <summary>One row of the report.</summary>
internal sealed record CheckResult(string Name, CheckStatus Status, long Ms, string Detail);

/// <summary>A named check; <see cref="RunAsync"/> may throw: the runner turns that into a FAIL naming the error.</summary>
internal sealed record Check(string Name, Func<CancellationToken, Task<CheckOutcome>> RunAsync);
