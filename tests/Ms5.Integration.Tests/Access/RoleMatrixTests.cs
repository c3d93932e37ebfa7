using System.Text;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using Xunit.Abstractions;
using static Ms5.Integration.Tests.Access.AccessTestKit;

namespace Ms5.Integration.Tests.Access;

/// <summary>
/// The role × endpoint matrix: one account per role (made through POST /api/users and signed in through POST
/// /api/auth/login), one API key per scope, and nobody, against every endpoint. Anonymous → 401 everywhere but the
/// five open endpoints; an identity the policy lets through gets neither 401, 403 nor a 5xx; everyone else 403.
/// Writes aim at ids and plants that do not exist, so an allowed call answers 400/404 (authorization passed, nothing
/// changed) and the demo plant is never touched.
/// </summary>
[Collection("stack")]
public sealed class RoleMatrixTests(StackFixture stack, ITestOutputHelper output)
{
    private const string Range = "from=2026-01-05T00:00:00Z&to=2026-01-05T01:00:00Z";
    private static readonly string NoSuchId = Guid.NewGuid().ToString();

    /// <summary>One request per endpoint (route key as in <see cref="ExpectedAccess.Policies"/>), bodies minimal.</summary>
    internal static readonly (string Endpoint, HttpMethod Method, string Path, string? Body)[] Probes =
    [
        ("GET /api/auth/me", HttpMethod.Get, "/api/auth/me", null),
        ("POST /api/auth/2fa/setup", HttpMethod.Post, "/api/auth/2fa/setup", null),
        ("POST /api/auth/2fa/enable", HttpMethod.Post, "/api/auth/2fa/enable", "{}"),
        ("POST /api/auth/2fa/disable", HttpMethod.Post, "/api/auth/2fa/disable", "{}"),
        ("POST /api/auth/2fa/recovery-codes", HttpMethod.Post, "/api/auth/2fa/recovery-codes", "{}"),
        ("POST /api/auth/password", HttpMethod.Post, "/api/auth/password", "{}"),

        ("POST /api/users/", HttpMethod.Post, "/api/users", "{}"),
        ("GET /api/users/", HttpMethod.Get, "/api/users", null),
        ("GET /api/users/{userName}", HttpMethod.Get, "/api/users/acc-nobody", null),
        ("PUT /api/users/{userName}/roles", HttpMethod.Put, "/api/users/acc-nobody/roles", """{"roles": ["viewer"]}"""),
        ("POST /api/users/{userName}/unlock", HttpMethod.Post, "/api/users/acc-nobody/unlock", null),
        ("DELETE /api/users/{userName}", HttpMethod.Delete, "/api/users/acc-nobody", null),
        ("POST /api/apikeys/", HttpMethod.Post, "/api/apikeys", "{}"),
        ("GET /api/apikeys/", HttpMethod.Get, "/api/apikeys", null),
        ("GET /api/apikeys/{id}", HttpMethod.Get, $"/api/apikeys/{NoSuchId}", null),
        ("DELETE /api/apikeys/{id}", HttpMethod.Delete, $"/api/apikeys/{NoSuchId}", null),
        ("GET /api/audit", HttpMethod.Get, "/api/audit?limit=1", null),
        ("GET /api/plant", HttpMethod.Get, $"/api/plant?plant={PlantId}", null),
        ("GET /api/plant/history", HttpMethod.Get, $"/api/plant/history?plant={PlantId}", null),
        ("POST /api/lines", HttpMethod.Post, "/api/lines", """{"plantId": "acc-no-such-plant", "id": "acc-line"}"""),
        ("PUT /api/lines/{id}", HttpMethod.Put, "/api/lines/acc-no-such-line", "{}"),
        ("POST /api/machines", HttpMethod.Post, "/api/machines", """{"id": "acc-m", "lineId": "acc-no-such-line", "idealCycleSeconds": 1}"""),
        ("PUT /api/machines/{id}", HttpMethod.Put, "/api/machines/acc-no-such-machine", "{}"),
        ("POST /api/reason-codes", HttpMethod.Post, "/api/reason-codes", """{"plantId": "acc-no-such-plant", "code": "c", "category": "idle"}"""),
        ("POST /api/plants", HttpMethod.Post, "/api/plants", "{}"),
        ("DELETE /api/plants/{id}", HttpMethod.Delete, "/api/plants/acc-no-such-plant", null),

        ("GET /api/machines", HttpMethod.Get, "/api/machines", null),
        ("GET /api/events", HttpMethod.Get, $"/api/events?machine={MachineId}&{Range}", null),
        ("GET /api/oee", HttpMethod.Get, $"/api/oee?machine={MachineId}&{Range}", null),
        ("GET /api/oee/live", HttpMethod.Get, $"/api/oee/live?machine={MachineId}", null),
        ("GET /api/shifts", HttpMethod.Get, $"/api/shifts?plant={PlantId}&{Range}", null),
        ("GET /api/downtime", HttpMethod.Get, $"/api/downtime?machine={MachineId}&{Range}", null),
        ("GET /api/downtime/anomalies", HttpMethod.Get, $"/api/downtime/anomalies?machine={MachineId}&{Range}&minScore=0.5", null),
        ("GET /api/ml/downtime/model", HttpMethod.Get, $"/api/ml/downtime/model?plant={PlantId}", null),
        ("GET /api/plant/calendar", HttpMethod.Get, $"/api/plant/calendar?plant={PlantId}", null),
        ("GET /api/assignments", HttpMethod.Get, "/api/assignments", null),
        ("GET /api/andon", HttpMethod.Get, "/api/andon?limit=1", null),
        ("GET /api/andon/{id}", HttpMethod.Get, $"/api/andon/{NoSuchId}", null),
        ("GET /api/reports", HttpMethod.Get, "/api/reports?limit=1", null),
        ("GET /api/reports/schedule", HttpMethod.Get, "/api/reports/schedule", null),
        ("GET /api/reports/{id}", HttpMethod.Get, $"/api/reports/{NoSuchId}", null),
        ("GET /api/reports/{id}/pdf", HttpMethod.Get, $"/api/reports/{NoSuchId}/pdf", null),
        ("GET /api/reports/{id}/csv", HttpMethod.Get, $"/api/reports/{NoSuchId}/csv", null),
        ("GET /api/reports/{id}/stops.csv", HttpMethod.Get, $"/api/reports/{NoSuchId}/stops.csv", null),
        ("GET /api/reports/{id}/orders.csv", HttpMethod.Get, $"/api/reports/{NoSuchId}/orders.csv", null),

        ("GET /", HttpMethod.Get, "/", null),
        ("GET /reports", HttpMethod.Get, "/reports", null),
        ("GET /openapi/{documentName}.json", HttpMethod.Get, "/openapi/v1.json", null),
        ("GET /api/reference", HttpMethod.Get, "/api/reference", null),
        ("GET /docs/{documentName?}", HttpMethod.Get, "/docs", null),
        ("GET /docs/scalar.js", HttpMethod.Get, "/docs/scalar.js", null),
        ("GET /docs/scalar.aspnetcore.js", HttpMethod.Get, "/docs/scalar.aspnetcore.js", null),
        ("GET /docs/favicon.svg", HttpMethod.Get, "/docs/favicon.svg", null),

        ("GET /api/board", HttpMethod.Get, "/api/board", null),
        ("* /ws", HttpMethod.Get, "/ws", null),
        ("GET /andon", HttpMethod.Get, "/andon", null),

        ("POST /api/andon", HttpMethod.Post, "/api/andon", "{}"),
        ("POST /api/andon/{id}/ack", HttpMethod.Post, $"/api/andon/{NoSuchId}/ack", "{}"),
        ("POST /api/andon/{id}/resolve", HttpMethod.Post, $"/api/andon/{NoSuchId}/resolve", "{}"),
        ("PUT /api/plant/calendar", HttpMethod.Put, "/api/plant/calendar?plant=acc-no-such-plant", "{}"),
        ("PUT /api/assignments", HttpMethod.Put, "/api/assignments", """{"day": "2026-11-26", "shift": "early", "machineId": "acc-no-such-machine", "userName": null}"""),
        ("POST /api/reports", HttpMethod.Post, "/api/reports", "{}"),
        ("POST /api/ml/downtime/train", HttpMethod.Post, "/api/ml/downtime/train", """{"plantId": "acc-no-such-plant"}"""),
        ("POST /api/downtime/anomalies/{id}/feedback", HttpMethod.Post, $"/api/downtime/anomalies/{NoSuchId}/feedback", """{"label": "dismissed"}"""),

        ("GET /api/orders", HttpMethod.Get, "/api/orders?limit=1", null),
        ("GET /api/orders/{id}", HttpMethod.Get, "/api/orders/acc-no-such-order", null),
        ("GET /api/orders/{id}/history", HttpMethod.Get, "/api/orders/acc-no-such-order/history", null),
        ("GET /api/schedule", HttpMethod.Get, $"/api/schedule?line={LineId}&{Range}", null),
        ("POST /api/orders", HttpMethod.Post, "/api/orders", "{}"),
        ("PUT /api/orders/{id}", HttpMethod.Put, "/api/orders/acc-no-such-order", """{"note": "x"}"""),
        ("POST /api/orders/{id}/release", HttpMethod.Post, "/api/orders/acc-no-such-order/release", "{}"),
        ("POST /api/orders/{id}/start", HttpMethod.Post, "/api/orders/acc-no-such-order/start", "{}"),
        ("POST /api/orders/{id}/complete", HttpMethod.Post, "/api/orders/acc-no-such-order/complete", "{}"),
        ("POST /api/orders/{id}/cancel", HttpMethod.Post, "/api/orders/acc-no-such-order/cancel", "{}"),
        ("POST /api/ingest/events", HttpMethod.Post, "/api/ingest/events", "[]"),
        ("POST /api/alertmanager/webhook", HttpMethod.Post, "/api/alertmanager/webhook", "{}"),

        // Last: it ends the signed-in identities' sessions.
        ("POST /api/auth/logout", HttpMethod.Post, "/api/auth/logout", null),
    ];

    internal static HttpRequestMessage Request((string Endpoint, HttpMethod Method, string Path, string? Body) probe) =>
        new(probe.Method, U(probe.Path)) { Content = probe.Body is null ? null : new StringContent(probe.Body, Encoding.UTF8, "application/json") };

    [Fact]
    public void TheProbes_CoverEveryEndpointThatNeedsAPolicy()
    {
        var needing = ExpectedAccess.Policies.Where(kv => kv.Value != ExpectedAccess.Anonymous).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var probed = Probes.Select(p => p.Endpoint).ToList();
        Assert.Equal(probed.Count, probed.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(needing.Except(probed));
        Assert.Empty(probed.Except(needing));
    }

    [Fact]
    public async Task TheFiveOpenEndpoints_AnswerWithoutCredentials()
    {
        await using var api = new ApiFactory(stack);
        var anon = api.Anonymous();
        (string Endpoint, HttpMethod Method, string Path, string? Body, int Expected)[] open =
        [
            ("GET /healthz", HttpMethod.Get, "/healthz", null, 200),
            ("GET /readyz", HttpMethod.Get, "/readyz", null, 200),
            ("* /metrics", HttpMethod.Get, "/metrics", null, 200),
            ("POST /api/auth/login", HttpMethod.Post, "/api/auth/login", "{}", 400),
            ("POST /api/auth/refresh", HttpMethod.Post, "/api/auth/refresh", "{}", 400),
        ];
        Assert.Equal(ExpectedAccess.AnonymousEndpoints.Order(StringComparer.Ordinal), open.Select(o => o.Endpoint).Order(StringComparer.Ordinal));
        foreach (var o in open)
        {
            using var response = await anon.SendAsync(Request((o.Endpoint, o.Method, o.Path, o.Body)));
            Assert.True((int)response.StatusCode == o.Expected, $"{o.Endpoint}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task EveryRoleAndScope_OnEveryEndpoint_GetsExactlyWhatItsPolicyAllows()
    {
        await AccessTestKit.EnsurePlantAsync(stack);
        await using var api = new ApiFactory(stack);
        var admin = api.CreateClient();

        // Every mapped endpoint is probed (a new one without a probe fails here too).
        var mapped = EndpointPolicyTests.ActualPolicies(api.Services).Where(kv => kv.Value != ExpectedAccess.Anonymous).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(mapped.Except(Probes.Select(p => p.Endpoint)));

        var credentials = new Dictionary<string, string>(StringComparer.Ordinal);
        var anon = api.Anonymous();
        foreach (var role in new[] { "viewer", "operator", "supervisor", "engineer", "admin" })
        {
            var name = Unique("acc-" + role);
            var password = StrongPassword();
            await CreateUserAsync(admin, name, password, role);
            credentials[role] = (await LoginAsync(anon, name, password)).Access;
        }

        foreach (var scope in new[] { "ingest", "read", "board", "admin" })
        {
            credentials["key:" + scope] = (await CreateKeyAsync(admin, Unique("acc-matrix-" + scope), scope)).Key;
        }

        var columns = new List<string> { "anonymous" };
        columns.AddRange(ExpectedAccess.Identities);
        var cells = new Dictionary<(string Endpoint, string Who), (int Status, bool Ok)>();
        var failures = new List<string>();
        var clients = columns.ToDictionary(c => c, c => api.Client(c == "anonymous" ? null : credentials[c], redirects: false));
        foreach (var probe in Probes)
        {
            var policy = ExpectedAccess.Policies[probe.Endpoint];
            foreach (var who in columns)
            {
                using var request = Request(probe);
                using var response = await clients[who].SendAsync(request);
                var status = (int)response.StatusCode;
                bool ok;
                string expected;
                if (who == "anonymous")
                {
                    ok = status == 401;
                    expected = "401";
                }
                else if (ExpectedAccess.Allowed[policy].Contains(who))
                {
                    ok = status is not (401 or 403) and < 500;
                    expected = "allowed (not 401/403/5xx)";
                }
                else
                {
                    ok = status == 403;
                    expected = "403";
                }

                cells[(probe.Endpoint, who)] = (status, ok);
                if (!ok)
                {
                    failures.Add($"{who} {probe.Method} {probe.Path} ({policy}): got {status}, expected {expected}: {Shorten(await response.Content.ReadAsStringAsync())}");
                }
            }
        }

        output.WriteLine(Matrix(columns, cells));
        Assert.True(failures.Count == 0, $"{failures.Count} cell(s) wrong ('!' marks them):\n{Matrix(columns, cells)}\n{string.Join("\n", failures)}");
    }

    private static string Shorten(string s) => s.Length <= 200 ? s : s[..200] + "...";

    private static string Matrix(List<string> columns, Dictionary<(string Endpoint, string Who), (int Status, bool Ok)> cells)
    {
        var width = Probes.Max(p => p.Endpoint.Length + ExpectedAccess.Policies[p.Endpoint].Length + 3);
        var sb = new StringBuilder();
        sb.Append("endpoint (policy)".PadRight(width));
        foreach (var c in columns)
        {
            sb.Append(' ').Append((c.StartsWith("key:", StringComparison.Ordinal) ? "k:" + c[4..] : c) is var h && h.Length > 6 ? h[..6] : h.PadLeft(6));
        }

        sb.AppendLine();
        foreach (var probe in Probes)
        {
            sb.Append($"{probe.Endpoint} ({ExpectedAccess.Policies[probe.Endpoint]})".PadRight(width));
            foreach (var c in columns)
            {
                var (status, ok) = cells.TryGetValue((probe.Endpoint, c), out var cell) ? cell : (0, true);
                sb.Append(' ').Append(((ok ? "" : "!") + status.ToString(System.Globalization.CultureInfo.InvariantCulture)).PadLeft(6));
            }

            sb.AppendLine();
        }

        return sb.ToString();
    }
}
