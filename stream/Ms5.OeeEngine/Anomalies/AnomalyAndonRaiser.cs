using Ms5.Analytics.Andon;
using Ms5.Analytics.Contracts;
using Ms5.Analytics.Plant;
using Ms5.Postgres;
using Npgsql;

namespace Ms5.OeeEngine.Anomalies;

/// <summary>
/// The plant's anomalous_stop rules applied to the flags a scoring run published (<see cref="AnomalyAndons"/>), stored
/// like every rule's findings and handed to the <see cref="AndonHub"/>, which publishes the transitions to ms5.andon.v1
/// and wakes the Alertmanager notifier.
/// </summary>
internal sealed class AnomalyAndonRaiser(NpgsqlDataSource db, AndonHub hub, TimeProvider time)
{
    public async Task ApplyAsync(PlantConfig plant, IReadOnlyList<AnomalyMessage> published, CancellationToken ct)
    {
        var findings = AnomalyAndons.Findings(published, plant.PlantId, plant.Andon).Select(f => f with { Calendar = plant.Calendar }).ToList();
        if (findings.Count == 0)
        {
            return;
        }

        List<AndonTransition> transitions;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            transitions = await AndonStore.ApplyAsync(conn, null, findings, time.GetUtcNow(), ct);
        }

        await hub.CommittedAsync(findings, new Dictionary<string, List<(AndonFinding, DateTimeOffset)>>(), transitions, ct);
    }
}
