using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ms5.Uat;

/// <summary>A check that did not hold: the case fails with this message.</summary>
internal sealed class UatFailure(string message) : Exception(message);

/// <summary>
/// What the areas share: the deployment's URL and admin key, this run's id and its temporary plant (2 lines × 2
/// machines), the scenario's times, and everything created so that <see cref="CleanUpAsync"/> removes it.
/// </summary>
internal sealed class UatContext(Uri baseUrl, string adminToken, Uri? alertmanager) : IDisposable
{
    public Uri BaseUrl { get; } = baseUrl;
    public Uri? Alertmanager { get; } = alertmanager;
    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];
    public string PlantId => $"uat-{RunId}";
    public string Line1 => $"{PlantId}-l1";
    public string Line2 => $"{PlantId}-l2";

    /// <summary>m1: the OEE scenario (and the order); m2: the Andon; m3: data integrity; m4: the live feed.</summary>
    public string M(int n) => $"{PlantId}-m{n}";

    /// <summary>A stored-string probe: the name of machine m4, so the board and the APIs carry it.</summary>
    public const string XssName = "<img src=x onerror=alert('uat')><script>alert(1)</script>' OR '1'='1";

    /// <summary>The start of the OEE scenario on m1: a whole minute, 30 minutes ago (so offline detection never reaches it).</summary>
    public DateTimeOffset T0 { get; } = Floor(DateTimeOffset.UtcNow).AddMinutes(-30);

    public HttpClient Admin { get; } = NewClient(baseUrl, adminToken);
    public HttpClient Anonymous { get; } = NewClient(baseUrl, null);
    public bool PlantCreated { get; set; }
    public bool ScenarioSent { get; set; }

    private readonly List<string> _users = [];
    private readonly List<(Guid Id, string Name)> _keys = [];
    private readonly List<HttpClient> _clients = [];
    private string? _viewerToken;

    public static HttpClient NewClient(Uri baseUrl, string? bearer)
    {
        var c = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return c;
    }

    public HttpClient Client(string bearer)
    {
        var c = NewClient(BaseUrl, bearer);
        _clients.Add(c);
        return c;
    }

    public static DateTimeOffset Floor(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);

    public static string Ts(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    public static StringContent Json(JsonNode body) => Json(body.ToJsonString());

    /// <summary>Sends and expects <paramref name="expected"/>; the parsed body (default when empty).</summary>
    public static async Task<JsonElement> SendAsync(HttpClient client, HttpMethod method, string path, string? body, HttpStatusCode expected)
    {
        using var req = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            req.Content = Json(body);
        }

        using var resp = await client.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        if (resp.StatusCode != expected)
        {
            throw new UatFailure($"{method} {path}: expected {(int)expected}, got {(int)resp.StatusCode}: {Short(text)}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> GetAsync(string path) => SendAsync(Admin, HttpMethod.Get, path, null, HttpStatusCode.OK);

    public static string Short(string text) => text.Length <= 400 ? text : text[..400] + "…";

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new UatFailure(message);
        }
    }

    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new UatFailure($"{what}: expected {expected}, got {actual}");
        }
    }

    public static void Near(double expected, double actual, string what, double tolerance = 1e-9)
    {
        if (Math.Abs(expected - actual) > tolerance)
        {
            throw new UatFailure($"{what}: expected {expected.ToString("R", CultureInfo.InvariantCulture)}, got {actual.ToString("R", CultureInfo.InvariantCulture)}");
        }
    }

    /// <summary>Polls until <paramref name="probe"/> answers non-null, or fails after <paramref name="timeout"/> with the last state it saw.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<(T? Value, string Seen)>> probe, TimeSpan timeout, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = "";
        while (true)
        {
            var (value, s) = await probe();
            seen = s;
            if (value is not null)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new UatFailure($"{what}: not within {timeout.TotalSeconds:0} s; last seen: {Short(seen)}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary><see cref="EventuallyAsync{T}"/> for a JSON answer.</summary>
    public static async Task<JsonElement?> EventuallyJsonAsync(Func<Task<(JsonElement? Value, string Seen)>> probe, TimeSpan timeout, string what)
    {
        var boxed = await EventuallyAsync<object>(async () =>
        {
            var (v, seen) = await probe();
            return (v, seen);
        }, timeout, what);
        return (JsonElement)boxed;
    }

    /// <summary>The first array property of an object (list answers name theirs: items, machines, andons, …).</summary>
    public static JsonElement Items(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e : e.EnumerateObject().FirstOrDefault(p => p.Value.ValueKind == JsonValueKind.Array).Value;

    /// <summary>Posts events to /api/ingest/events with the admin key; expects every one accepted.</summary>
    public async Task IngestAsync(IReadOnlyCollection<JsonObject> events)
    {
        var result = await SendAsync(Admin, HttpMethod.Post, "/api/ingest/events", new JsonArray(events.Select(e => (JsonNode)e.DeepClone()).ToArray()).ToJsonString(), HttpStatusCode.OK);
        Equal(events.Count, result.GetProperty("accepted").GetInt32(), "events accepted by POST /api/ingest/events");
    }

    public static JsonObject State(Guid id, string machine, DateTimeOffset ts, string state, string? reason = null)
    {
        var e = new JsonObject { ["eventId"] = id.ToString(), ["machineId"] = machine, ["ts"] = Ts(ts), ["type"] = "state", ["state"] = state };
        if (reason is not null)
        {
            e["reason"] = reason;
        }

        return e;
    }

    public static JsonObject Count(Guid id, string machine, DateTimeOffset ts, long good, long reject) =>
        new() { ["eventId"] = id.ToString(), ["machineId"] = machine, ["ts"] = Ts(ts), ["type"] = "count", ["good"] = good, ["reject"] = reject };

    /// <summary>The UAT plant file: 2 lines × 2 machines, UTC, round-the-clock shifts, short Andon thresholds (seconds).</summary>
    public JsonObject PlantFile()
    {
        JsonObject Machine(int n, string? name = null) => new() { ["id"] = M(n), ["name"] = name ?? $"UAT machine {n}", ["idealCycleSeconds"] = 1.0 };
        var days = new JsonArray("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun");
        return new JsonObject
        {
            ["plantId"] = PlantId,
            ["name"] = $"UAT {RunId}",
            ["timeZone"] = "UTC",
            ["oee"] = new JsonObject { ["microStopSeconds"] = 30, ["offlineAfterSeconds"] = 600, ["target"] = 0.5 },
            ["reasonCodes"] = new JsonArray(new JsonObject { ["code"] = "jam", ["category"] = "unplanned", ["description"] = "Material jam" }),
            ["shifts"] = new JsonArray(
                new JsonObject { ["name"] = "am", ["days"] = days.DeepClone(), ["start"] = "00:00", ["end"] = "12:00" },
                new JsonObject { ["name"] = "pm", ["days"] = days.DeepClone(), ["start"] = "12:00", ["end"] = "00:00" }),
            ["andon"] = new JsonObject
            {
                ["escalationMinutes"] = new JsonArray(0.05, 0.05),
                ["rules"] = new JsonArray(
                    new JsonObject { ["id"] = "down", ["kind"] = "stop", ["states"] = new JsonArray("down"), ["seconds"] = 5, ["severity"] = "critical", ["machines"] = new JsonArray(M(2)) },
                    new JsonObject { ["id"] = "manual", ["kind"] = "manual" }),
            },
            ["lines"] = new JsonArray(
                new JsonObject { ["id"] = Line1, ["name"] = "UAT line 1", ["machines"] = new JsonArray(Machine(1), Machine(2)) },
                new JsonObject { ["id"] = Line2, ["name"] = "UAT line 2", ["machines"] = new JsonArray(Machine(3), Machine(4, XssName)) }),
            ["temporary"] = true,
        };
    }

    /// <summary>A user of this run (deleted at the end): its name and password.</summary>
    public async Task<(string UserName, string Password)> CreateUserAsync(string role, string suffix)
    {
        var userName = $"{PlantId}-{suffix}";
        var password = "Uat " + Guid.NewGuid().ToString("N");
        var body = new JsonObject { ["userName"] = userName, ["password"] = password, ["roles"] = new JsonArray(role) };
        await SendAsync(Admin, HttpMethod.Post, "/api/users", body.ToJsonString(), HttpStatusCode.Created);
        _users.Add(userName);
        return (userName, password);
    }

    /// <summary>An API key of this run (revoked at the end): its id and the key.</summary>
    public async Task<string> CreateKeyAsync(string suffix, params string[] scopes)
    {
        var name = $"{PlantId}-{suffix}";
        var body = new JsonObject { ["name"] = name, ["scopes"] = new JsonArray(scopes.Select(s => (JsonNode)s).ToArray()) };
        var created = await SendAsync(Admin, HttpMethod.Post, "/api/apikeys", body.ToJsonString(), HttpStatusCode.Created);
        _keys.Add((created.GetProperty("id").GetGuid(), name));
        return created.GetProperty("key").GetString()!;
    }

    public async Task<JsonElement> LoginAsync(string userName, string password, string? totp = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = new JsonObject { ["userName"] = userName, ["password"] = password };
        if (totp is not null)
        {
            body["totpCode"] = totp;
        }

        return await SendAsync(Anonymous, HttpMethod.Post, "/api/auth/login", body.ToJsonString(), expected);
    }

    /// <summary>A viewer's access token (one account per run, made on first use).</summary>
    public async Task<string> ViewerTokenAsync()
    {
        if (_viewerToken is null)
        {
            var (name, password) = await CreateUserAsync("viewer", "viewer");
            _viewerToken = (await LoginAsync(name, password)).GetProperty("accessToken").GetString()!;
        }

        return _viewerToken;
    }

    /// <summary>Removes the plant (with all its data), the users and the API keys of this run; each step's outcome as a line.</summary>
    public async Task<List<string>> CleanUpAsync()
    {
        var problems = new List<string>();
        if (PlantCreated)
        {
            using var resp = await Admin.DeleteAsync(new Uri($"/api/plants/{PlantId}", UriKind.Relative));
            if (resp.StatusCode != HttpStatusCode.OK)
            {
                problems.Add($"DELETE /api/plants/{PlantId}: {(int)resp.StatusCode} {Short(await resp.Content.ReadAsStringAsync())}");
            }
            else
            {
                PlantCreated = false;
            }
        }

        foreach (var user in _users.ToList())
        {
            using var resp = await Admin.DeleteAsync(new Uri($"/api/users/{Uri.EscapeDataString(user)}", UriKind.Relative));
            if (resp.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.OK or HttpStatusCode.NotFound)
            {
                _users.Remove(user);
            }
            else
            {
                problems.Add($"DELETE /api/users/{user}: {(int)resp.StatusCode} {Short(await resp.Content.ReadAsStringAsync())}");
            }
        }

        foreach (var key in _keys.ToList())
        {
            using var resp = await Admin.DeleteAsync(new Uri($"/api/apikeys/{key.Id}", UriKind.Relative));
            if (resp.IsSuccessStatusCode || resp.StatusCode == HttpStatusCode.NotFound)
            {
                _keys.Remove(key);
            }
            else
            {
                problems.Add($"DELETE /api/apikeys/{key.Id} ({key.Name}): {(int)resp.StatusCode} {Short(await resp.Content.ReadAsStringAsync())}");
            }
        }

        return problems;
    }

    public void Dispose()
    {
        Admin.Dispose();
        Anonymous.Dispose();
        foreach (var c in _clients)
        {
            c.Dispose();
        }
    }
}
