using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Ms5.Integration.Tests.Api;
using Ms5.Integration.Tests.Support;

namespace Ms5.Integration.Tests.Access;

/// <summary>
/// Every mapped endpoint has exactly the named policy <see cref="ExpectedAccess.Policies"/> gives it; only the five
/// listed endpoints are anonymous (they carry IAllowAnonymous, everything else a named policy and no IAllowAnonymous).
/// </summary>
[Collection("stack")]
public sealed class EndpointPolicyTests(StackFixture stack)
{
    /// <summary>"METHOD /route" of every route endpoint → what it requires, as the endpoint's metadata says.</summary>
    internal static Dictionary<string, string> ActualPolicies(IServiceProvider services)
    {
        var actual = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var methods = e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods is { Count: > 0 } m ? m : ["*"];
            var anonymous = e.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Distinct().ToList();
            var what = (anonymous, policies) switch
            {
                (true, { Count: 0 }) => ExpectedAccess.Anonymous,
                (true, _) => $"(anonymous, although it names {string.Join(", ", policies.Select(p => p ?? "no policy"))})",
                (false, { Count: 0 }) => "(no policy)",
                (false, [{ } single]) => single,
                _ => $"(several: {string.Join(", ", policies.Select(p => p ?? "no policy"))})",
            };
            foreach (var method in methods)
            {
                var key = $"{method} {e.RoutePattern.RawText}";
                actual[key] = actual.TryGetValue(key, out var before) ? $"(mapped twice: {before} and {what})" : what;
            }
        }

        return actual;
    }

    [Fact]
    public async Task EveryEndpoint_HasExactlyItsExpectedPolicy_AndOnlyTheFiveAreAnonymous()
    {
        await using var api = new ApiFactory(stack);
        var actual = ActualPolicies(api.Services);

        var problems = new List<string>();
        foreach (var (endpoint, what) in actual.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (what == ExpectedAccess.Anonymous && !ExpectedAccess.AnonymousEndpoints.Contains(endpoint))
            {
                problems.Add($"{endpoint}: anonymous, and it is not one of {string.Join(", ", ExpectedAccess.AnonymousEndpoints)}");
            }
            else if (!ExpectedAccess.Policies.TryGetValue(endpoint, out var expected))
            {
                problems.Add($"{endpoint}: {what}, and the table has no entry for it (decide who may call it and add it)");
            }
            else if (expected != what)
            {
                problems.Add($"{endpoint}: {what}, expected {expected}");
            }
        }

        foreach (var endpoint in ExpectedAccess.Policies.Keys.Where(k => !actual.ContainsKey(k)))
        {
            problems.Add($"{endpoint}: in the table but not mapped");
        }

        Assert.True(problems.Count == 0, "endpoint policies differ from the expected table:\n" + string.Join("\n", problems)
            + "\n\nmapped:\n" + string.Join("\n", actual.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"  {kv.Key} => {kv.Value}")));
    }

    [Fact]
    public async Task EveryPolicyTheTableNames_IsRegistered_AndAnEndpointWithoutOneWouldStillNeedAnAdministrator()
    {
        await using var api = new ApiFactory(stack);
        var provider = api.Services.GetRequiredService<IAuthorizationPolicyProvider>();
        foreach (var policy in ExpectedAccess.Allowed.Keys)
        {
            Assert.True(await provider.GetPolicyAsync(policy) is not null, $"policy '{policy}' is not registered");
        }

        var fallback = await provider.GetFallbackPolicyAsync();
        Assert.NotNull(fallback);
        Assert.Contains(fallback.Requirements, r => r is Microsoft.AspNetCore.Authorization.Infrastructure.DenyAnonymousAuthorizationRequirement);
    }
}
