namespace Ms5.Analytics.Access;

/// <summary>
/// Locking an account after repeated failed sign-ins. The <see cref="MaxFailedAttempts"/>-th failure in a row locks it for
/// <see cref="Duration"/> and starts the count again, so after the lock ends the user has the full number of tries.
/// A lock is the half-open interval [locked at, end): at exactly its end the account is open again.
/// </summary>
/// <param name="MaxFailedAttempts">At least 1.</param>
/// <param name="Duration">Longer than zero.</param>
public sealed record LockoutPolicy(int MaxFailedAttempts, TimeSpan Duration)
{
    public static LockoutPolicy Default => new(5, TimeSpan.FromMinutes(15));

    public int MaxFailedAttempts { get; init => field = ValidMax(value); } = ValidMax(MaxFailedAttempts);

    public TimeSpan Duration { get; init => field = ValidDuration(value); } = ValidDuration(Duration);

    /// <summary>Locked while <paramref name="now"/> is before <paramref name="lockoutEnd"/>; never locked without an end.</summary>
    public bool IsLockedOut(DateTimeOffset? lockoutEnd, DateTimeOffset now) => lockoutEnd is { } end && now < end;

    /// <summary>The state after one more failed sign-in: the count goes up, and reaching the maximum locks the account until now + <see cref="Duration"/> with the count back at 0.</summary>
    /// <param name="failedCountBefore">Failures in a row before this one, at least 0 (a count above the maximum, left by a stricter policy, locks too).</param>
    /// <param name="now">When the failure happened.</param>
    public LockoutState AfterFailure(int failedCountBefore, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(failedCountBefore);
        var count = failedCountBefore + 1;
        return count >= MaxFailedAttempts ? new LockoutState(0, now + Duration) : new LockoutState(count, null);
    }

    private static int ValidMax(int value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxFailedAttempts));
        return value;
    }

    private static TimeSpan ValidDuration(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(Duration));
        return value;
    }
}

/// <summary>The failed-sign-in count to store, and the end of the lock when this failure locked the account.</summary>
public readonly record struct LockoutState(int FailedCount, DateTimeOffset? LockedUntil);
