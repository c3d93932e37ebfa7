using System.Security.Claims;
using Ms5.Postgres.Access;
using Npgsql;

namespace Ms5.Api.Access;

/// <summary>
/// Writes the audit trail (table audit_log, append-only). Actor and role come from the authenticated identity; a
/// failed login records the user name it tried. A write that fails is logged as an error and does not undo the action
/// it records (the action has happened); the log says so.
/// </summary>
internal sealed class AuditTrail(NpgsqlDataSource db, ILogger<AuditTrail> logger)
{
    public Task RecordAsync(HttpContext ctx, string action, string target, string outcome, string? detail = null) =>
        RecordAsync(ctx, ctx.User, action, target, outcome, detail);

    public async Task RecordAsync(HttpContext ctx, ClaimsPrincipal who, string action, string target, string outcome, string? detail = null, string? actor = null)
    {
        var address = ctx.Connection.RemoteIpAddress?.ToString();
        try
        {
            await AuditStore.AppendAsync(db, actor ?? who.Actor(), actor is null ? who.RoleForAudit() : "none", action, target, outcome, address, detail, CancellationToken.None);
        }
        catch (NpgsqlException ex)
        {
            logger.LogError(ex, "Audit entry NOT written: {Actor} {Action} {Target} {Outcome} from {Address}", actor ?? who.Actor(), action, target, outcome, address);
        }
    }
}
