using Ms5.Analytics.Access;
using System.Text.Json;
using Prometheus;

namespace Ms5.Api.Apis;

/// <summary>
/// POST /api/alertmanager/webhook: the floor receiver of infra/alertmanager/alertmanager.yml. Counts and logs
/// each notification (status, group, alert count); a malformed body is a 400 naming the problem.
/// </summary>
internal static class AlertmanagerWebhookApi
{
    private static readonly Counter Notifications = Metrics.CreateCounter("ms5_alertmanager_notifications_total", "Notifications received from Alertmanager, by status.", "status");

    public static void MapAlertmanagerWebhookApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/alertmanager/webhook", async (HttpRequest request, ILogger<Program> logger, CancellationToken ct) =>
        {
            JsonDocument doc;
            try
            {
                doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            }
            catch (JsonException ex)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid notification", detail: $"not valid JSON: {ex.Message}");
            }

            using (doc)
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String
                    || !root.TryGetProperty("alerts", out var alerts) || alerts.ValueKind != JsonValueKind.Array)
                {
                    return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid notification", detail: "expected Alertmanager's webhook payload: an object with 'status' and 'alerts'");
                }

                Notifications.WithLabels(status.GetString()!).Inc();
                logger.LogInformation("Alertmanager notification {Status}: {Alerts} alert(s), group {GroupKey}", status.GetString(), alerts.GetArrayLength(),
                    root.TryGetProperty("groupKey", out var g) ? g.GetString() : null);
                return Results.Ok(new { received = alerts.GetArrayLength() });
            }
        }).RequireAuthorization(AccessPolicies.Ingest).WithName("AlertmanagerWebhook").WithTags("andon").WithSummary("Receives Alertmanager notifications (the floor receiver).");
}
