using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;
using static Ms5.Integration.Tests.Access.AccessTestKit;

namespace Ms5.Integration.Tests.Access;

/// <summary>
/// Tokens from an external OpenID Connect provider (a plant's Entra ID or Keycloak), configured only: a tiny provider
/// runs here on a free port (its discovery document and a JWKS with a key made for the test), and the API trusts its
/// tokens with the audience and role claim it is told; a token for another audience or signed with another key is a 401.
/// </summary>
[Collection("stack")]
public sealed class OidcTests(StackFixture stack)
{
    private const string Audience = "ms5-plant-test";

    /// <summary>A minimal OpenID provider: /.well-known/openid-configuration and /jwks, and tokens signed with its key.</summary>
    private sealed class TestProvider : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly RSA _key = RSA.Create(2048);

        private TestProvider(WebApplication app, string authority)
        {
            _app = app;
            Authority = authority;
        }

        public string Authority { get; }

        public static async Task<TestProvider> StartAsync()
        {
            var authority = $"http://127.0.0.1:{TestPorts.Next()}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(authority);
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var provider = new TestProvider(app, authority);
            app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = authority,
                ["jwks_uri"] = authority + "/jwks",
                ["authorization_endpoint"] = authority + "/authorize",
                ["token_endpoint"] = authority + "/token",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
            }));
            app.MapGet("/jwks", () =>
            {
                var p = provider._key.ExportParameters(false);
                return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = "test-key", n = Base64UrlEncoder.Encode(p.Modulus), e = Base64UrlEncoder.Encode(p.Exponent) } } });
            });
            await app.StartAsync();
            return provider;
        }

        /// <summary>A signed access token; <paramref name="signWith"/> another key to forge one.</summary>
        public string Token(string audience, string[] roles, RSA? signWith = null, string? issuer = null) =>
            new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = issuer ?? Authority,
                Audience = audience,
                Claims = new Dictionary<string, object> { ["sub"] = "u-4711", ["preferred_username"] = "jdoe", ["roles"] = roles },
                IssuedAt = DateTime.UtcNow,
                NotBefore = DateTime.UtcNow,
                Expires = DateTime.UtcNow.AddMinutes(10),
                SigningCredentials = new SigningCredentials(new RsaSecurityKey(signWith ?? _key) { KeyId = "test-key" }, SecurityAlgorithms.RsaSha256),
            });

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            _key.Dispose();
        }
    }

    private static ApiFactory Api(StackFixture stack, TestProvider provider) => new(stack, settings: new Dictionary<string, string>
    {
        ["Ms5:Auth:Oidc:Authority"] = provider.Authority,
        ["Ms5:Auth:Oidc:Audience"] = Audience,
        ["Ms5:Auth:Oidc:RoleClaim"] = "roles",
        ["Ms5:Auth:Oidc:RequireHttpsMetadata"] = "false",
    });

    [Fact]
    public async Task AProvidersToken_IsAccepted_WithTheRolesOfItsRoleClaim()
    {
        await using var provider = await TestProvider.StartAsync();
        await using var api = Api(stack, provider);
        var client = api.Client(provider.Token(Audience, ["operator", "not-an-ms5-role"]));

        var me = await client.GetAsync(U("/api/auth/me"));
        Assert.True(me.StatusCode == HttpStatusCode.OK, await Describe(me));
        var body = await JsonOf(me);
        Assert.Equal("oidc", body.GetProperty("kind").GetString());
        Assert.Equal("oidc:jdoe", body.GetProperty("name").GetString());
        Assert.Equal(["operator"], body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));

        // What an operator may do (reach the Andon, which does not exist: 404), and may not (accounts: 403).
        var ack = await client.PostAsync(U($"/api/andon/{Guid.NewGuid()}/ack"), Body("{}"));
        Assert.True(ack.StatusCode == HttpStatusCode.NotFound, await Describe(ack));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(U("/api/machines"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync(U($"/api/andon/{Guid.NewGuid()}/resolve"), Body("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(U("/api/users"))).StatusCode);

        // MS5's own credentials keep working next to the provider's.
        Assert.Equal(HttpStatusCode.OK, (await api.CreateClient().GetAsync(U("/api/users"))).StatusCode);
    }

    [Fact]
    public async Task AProvidersToken_WithoutAnMs5Role_PassesNoPolicy()
    {
        await using var provider = await TestProvider.StartAsync();
        await using var api = Api(stack, provider);
        var client = api.Client(provider.Token(Audience, ["Global Administrator"]));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(U("/api/machines"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(U("/api/auth/me"))).StatusCode);
    }

    [Fact]
    public async Task ATokenForAnotherAudience_OrSignedWithAnotherKey_OrFromAnotherIssuer_Is401()
    {
        await using var provider = await TestProvider.StartAsync();
        await using var api = Api(stack, provider);
        using var stranger = RSA.Create(2048);

        var wrongAudience = await api.Client(provider.Token("someone-else", ["admin"])).GetAsync(U("/api/auth/me"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongAudience.StatusCode);
        Assert.Contains("audience", await DetailOf(wrongAudience), StringComparison.Ordinal);

        var forged = await api.Client(provider.Token(Audience, ["admin"], signWith: stranger)).GetAsync(U("/api/auth/me"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("signature", await DetailOf(forged), StringComparison.Ordinal);

        var otherIssuer = await api.Client(provider.Token(Audience, ["admin"], issuer: "http://127.0.0.1:1/evil")).GetAsync(U("/api/users"));
        Assert.Equal(HttpStatusCode.Unauthorized, otherIssuer.StatusCode);

        // Without Oidc configured, the same valid token is not trusted at all.
        await using var plain = new ApiFactory(stack);
        Assert.Equal(HttpStatusCode.Unauthorized, (await plain.Client(provider.Token(Audience, ["admin"])).GetAsync(U("/api/auth/me"))).StatusCode);
    }
}
