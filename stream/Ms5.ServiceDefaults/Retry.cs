using Polly;
using Polly.Retry;

namespace Ms5.ServiceDefaults;

/// <summary>
/// The one retry shape MS5 uses for work that must eventually succeed (a durable batch write, telling
/// Alertmanager what the stored Andons say): exponential backoff from <see cref="FirstDelay"/>, capped,
/// never giving up until cancelled. Time comes from the injected <see cref="TimeProvider"/>.
/// </summary>
public static class Retry
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Retries every exception except cancellation of <c>ct</c>; <paramref name="onRetry"/> sees the failure and the delay.</summary>
    public static ResiliencePipeline Forever(TimeSpan maxDelay, TimeProvider time, Func<Exception, int, TimeSpan, ValueTask>? onRetry = null, Func<Exception, bool>? retryable = null)
    {
        var options = new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = FirstDelay,
            MaxDelay = maxDelay,
            UseJitter = false,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex
                && !(ex is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)
                && (retryable?.Invoke(ex) ?? true)),
            OnRetry = args => onRetry is null || args.Outcome.Exception is null
                ? default
                : onRetry(args.Outcome.Exception, args.AttemptNumber + 1, args.RetryDelay),
        };
        return new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(options).Build();
    }
}
