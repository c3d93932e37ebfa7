using Microsoft.Extensions.Logging.Abstractions;
using Ms5.Analytics.Andon;
using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;
using Ms5.OeeEngine;
using Ms5.Stream.Tests.Support;
using Npgsql;

namespace Ms5.Stream.Tests;

public sealed class AndonHubTests : IDisposable
{
    private static readonly DateTimeOffset T = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, List<(AndonFinding, DateTimeOffset)>> NoPending = [];

    // Never opened: the hub touches the database only to publish transitions, and these tests publish none.
    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Database=none;Username=none");
    private readonly RecordingProducer _producer = new();

    private AndonHub NewHub() => new(_producer, "andon-out", _db, NullLogger<AndonHub>.Instance);

    /// <summary>The demo plant's first machine with the default rules: down for 2 minutes raises a critical Andon.</summary>
    private static MachineOeeContext Press { get; } = MachineOeeContext.ForPlant(PlantConfigParser.Parse(File.ReadAllText(Repo.DemoPlant))).First() with { Andon = AndonConfig.Default };

    private static MachineEvent State(DateTimeOffset ts, MachineState state) => MachineEvent.StateChange(Guid.NewGuid(), Press.MachineId, ts, state, state == MachineState.Down ? "jam" : null);

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Evaluate_AStopPastItsThreshold_IsFoundOnce_ThenNotAgainOnceStored()
    {
        var hub = NewHub();
        var events = new[] { State(T, MachineState.Running), State(T.AddMinutes(1), MachineState.Down) };

        var (found, _) = hub.Evaluate(Press, events, T.AddMinutes(4));
        await hub.CommittedAsync(found, NoPending, [], CancellationToken.None);
        var (again, _) = hub.Evaluate(Press, events, T.AddMinutes(5));

        var andon = Assert.Single(found);
        Assert.Equal("down", andon.Episode.RuleId);
        Assert.Equal(T.AddMinutes(1), andon.Episode.Since);
        Assert.Equal(T.AddMinutes(3), andon.Episode.RaisedAt);
        Assert.Null(andon.Episode.ClearedAt);
        Assert.Empty(again);
        Assert.Empty(_producer.Sent);
    }

    [Fact]
    public async Task Evaluate_AStoredOpenAndonWhoseStopEnded_IsFoundAgainCleared()
    {
        var hub = NewHub();
        var down = new[] { State(T, MachineState.Running), State(T.AddMinutes(1), MachineState.Down) };
        var (found, _) = hub.Evaluate(Press, down, T.AddMinutes(4));
        await hub.CommittedAsync(found, NoPending, [], CancellationToken.None);

        var (cleared, _) = hub.Evaluate(Press, [.. down, State(T.AddMinutes(6), MachineState.Running)], T.AddMinutes(7));

        Assert.Equal(T.AddMinutes(6), Assert.Single(cleared).Episode.ClearedAt);
    }

    [Fact]
    public async Task TakeDue_APendingRaise_ComesDueAtItsThreshold_Once()
    {
        var hub = NewHub();
        var (found, ahead) = hub.Evaluate(Press, [State(T, MachineState.Running), State(T.AddMinutes(1), MachineState.Down)], T.AddMinutes(1.5));
        Assert.Empty(found);
        Assert.Equal(T.AddMinutes(3), Assert.Single(ahead).Item2);
        // The hub keeps (and takes from) the list it is given.
        await hub.CommittedAsync(found, new Dictionary<string, List<(AndonFinding, DateTimeOffset)>> { [Press.MachineId] = [.. ahead] }, [], CancellationToken.None);

        var early = hub.TakeDue(T.AddMinutes(3).AddMilliseconds(-1));
        var due = hub.TakeDue(T.AddMinutes(3));
        var later = hub.TakeDue(T.AddMinutes(4));

        Assert.Empty(early);
        Assert.Equal(T.AddMinutes(1), Assert.Single(due).Episode.Since);
        Assert.Empty(later);
    }

    [Fact]
    public async Task TakeDue_WhileABatchWithTheMachineIsBeingComputed_WaitsForItsRelease()
    {
        var hub = NewHub();
        var (_, ahead) = hub.Evaluate(Press, [State(T, MachineState.Running), State(T.AddMinutes(1), MachineState.Down)], T.AddMinutes(1.5));
        await hub.CommittedAsync([], new Dictionary<string, List<(AndonFinding, DateTimeOffset)>> { [Press.MachineId] = ahead }, [], CancellationToken.None);

        hub.Hold([Press.MachineId]);
        hub.Hold([Press.MachineId]);
        var held = hub.TakeDue(T.AddMinutes(5));
        hub.Release([Press.MachineId]);
        var stillHeld = hub.TakeDue(T.AddMinutes(5));
        hub.Release([Press.MachineId]);
        var released = hub.TakeDue(T.AddMinutes(5));

        Assert.Empty(held);
        Assert.Empty(stillHeld);
        Assert.Single(released);
    }

    [Fact]
    public async Task Forget_AfterARebalance_DropsPendingRaisesAndWhatWasStored()
    {
        var hub = NewHub();
        var events = new[] { State(T, MachineState.Running), State(T.AddMinutes(1), MachineState.Down) };
        var (found, _) = hub.Evaluate(Press, events, T.AddMinutes(4));
        await hub.CommittedAsync(found, new Dictionary<string, List<(AndonFinding, DateTimeOffset)>> { [Press.MachineId] = [(found[0], T.AddMinutes(3))] }, [], CancellationToken.None);

        hub.Forget();

        Assert.Empty(hub.TakeDue(T.AddMinutes(10)));
        Assert.Single(hub.Evaluate(Press, events, T.AddMinutes(5)).Findings);
    }
}
