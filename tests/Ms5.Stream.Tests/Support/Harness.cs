using Ms5.Kafka.Consuming;

namespace Ms5.Stream.Tests.Support;

/// <summary>A <see cref="ScriptedBatchConsumer"/> running its loop on its own thread until the test ends.</summary>
internal sealed class Harness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    public Harness(ConsumerSettings? settings = null)
    {
        Session = new ScriptedSession(Clock, Journal);
        Consumer = new ScriptedBatchConsumer(Session, Clock, Journal, settings ?? ScriptedBatchConsumer.Config());
    }

    public TimerRecordingClock Clock { get; } = new();
    public Journal Journal { get; } = new();
    public ScriptedSession Session { get; }
    public ScriptedBatchConsumer Consumer { get; }

    public void Start() => _run = Task.Run(() => Consumer.RunAsync(_stop.Token));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Session.Wake();
        if (_run is not null)
        {
            await _run.WaitAsync(Journal.HangGuard);
        }

        Consumer.Dispose();
        _stop.Dispose();
    }
}
