using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Access;

/// <summary>./ms5 user add and ./ms5 apikey add, run for real against an API process with the admin key in MS5_HOME/secrets.</summary>
[Collection("stack")]
public sealed class CommandLineTests(StackFixture stack)
{
    [Fact]
    public async Task UserAdd_And_ApiKeyAdd_CreateThemThroughTheApi_AndRefuseBadInput()
    {
        using var api = await ApiProcess.StartAsync(stack, "cli");
        var home = Directory.CreateTempSubdirectory("ms5-cli-home-");
        try
        {
            Directory.CreateDirectory(Path.Combine(home.FullName, "secrets"));
            await File.WriteAllTextAsync(Path.Combine(home.FullName, "secrets", "admin.apikey"), stack.AdminKey + "\n");
            var env = new Dictionary<string, string> { ["MS5_HOME"] = home.FullName, ["MS5_API_URL"] = api.Url.ToString().TrimEnd('/') };
            Task<(int ExitCode, string Output)> Ms5(params string[] args) =>
                ChildProcess.RunProgramAsync("/bin/bash", env, TimeSpan.FromSeconds(60), [Path.Combine(Repo.Root, "ms5"), .. args]);

            var user = "cli-" + Guid.NewGuid().ToString("N")[..8];
            var (code, output) = await Ms5("user", "add", user, "--role", "supervisor");
            Assert.True(code == 0, output);
            var password = output.Split('\n').Single(l => l.StartsWith("password: ", StringComparison.Ordinal))["password: ".Length..].Trim();
            using var http = new HttpClient { BaseAddress = api.Url };
            var login = await http.PostAsJsonAsync(new Uri("api/auth/login", UriKind.Relative), new { userName = user, password });
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            using (var admin = api.Client())
            {
                var described = await admin.GetFromJsonAsync<JsonElement>(new Uri($"api/users/{user}", UriKind.Relative));
                Assert.Equal(["supervisor"], described.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            }

            (code, output) = await Ms5("apikey", "add", "cli gateway", "--scope", "ingest", "--scope", "read");
            Assert.True(code == 0, output);
            var key = output.TrimEnd().Split('\n')[^1].Trim();
            Assert.StartsWith("ms5k_", key, StringComparison.Ordinal);
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
            var me = await http.GetFromJsonAsync<JsonElement>(new Uri("api/auth/me", UriKind.Relative));
            Assert.Equal(["ingest", "read"], me.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Order());

            (code, output) = await Ms5("user", "add", "someone", "--role", "overlord");
            Assert.NotEqual(0, code);
            Assert.Contains("unknown role 'overlord'", output, StringComparison.Ordinal);
            (code, output) = await Ms5("apikey", "add", "x", "--scope", "everything");
            Assert.NotEqual(0, code);
            Assert.Contains("unknown scope 'everything'", output, StringComparison.Ordinal);
            (code, output) = await Ms5("user", "add", user, "--role", "viewer");
            Assert.NotEqual(0, code);
            Assert.Contains("409", output, StringComparison.Ordinal);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }
}
