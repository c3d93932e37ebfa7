using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Ms5.Ops.Checks;
using Ms5.Ops.Output;
using Ms5.Ops.Smoke;

namespace Ms5.Ops.Cli;

/// <summary>
/// <c>Ms5.Ops validate [--url URL] [--json] [--since 5m] [--timeout 20s] [--repo DIR] [--min-free-percent 10]
/// [--min-free-gib 1] [--min-mem-percent 10]</c> and <c>Ms5.Ops smoke --url URL [--timeout 60s]</c>.
/// Exit codes: 0 every check passed (skips only where a check does not apply), 1 a check failed, 2 bad usage.
/// </summary>
internal static class OpsCommands
{
    public const int Failed = 1;
    public const int UsageError = 2;

    public static RootCommand Create()
    {
        var root = new RootCommand("MS5 operations: post-deployment checks of a running deployment.");
        root.Subcommands.Add(Validate());
        root.Subcommands.Add(Smoke());
        return root;
    }

    private static Option<Uri?> UrlOption(string description) => new("--url")
    {
        Description = description,
        CustomParser = r => Uri.TryCreate(r.Tokens.Single().Value, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
            ? u : Error<Uri?>(r, $"--url '{r.Tokens.Single().Value}' is not an http(s) URL"),
    };

    private static Option<TimeSpan> DurationOption(string name, string description, TimeSpan fallback) => new(name)
    {
        Description = description,
        CustomParser = DurationText.Parser(name),
        DefaultValueFactory = _ => fallback,
    };

    private static Option<double> NumberOption(string name, string description, double fallback) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = r => double.TryParse(r.Tokens.Single().Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)
            ? v : Error<double>(r, $"{name} '{r.Tokens.Single().Value}' must be a number >= 0"),
    };

    private static T Error<T>(ArgumentResult r, string message)
    {
        r.AddError(message);
        return default!;
    }

    private static Command Validate()
    {
        var url = UrlOption("the API to check (default MS5_API_URL)");
        var json = new Option<bool>("--json") { Description = "print {checks:[{name,status,ms,detail}],passed} instead of the table" };
        var since = DurationOption("--since", "how far back the logs are searched for error lines", TimeSpan.FromMinutes(5));
        var timeout = DurationOption("--timeout", "the longest one check may take", TimeSpan.FromSeconds(20));
        var repo = new Option<string?>("--repo") { Description = "the MS5 checkout whose shipped Prometheus rules and Alertmanager config are expected (default: the one this tool runs from)" };
        var freePercent = NumberOption("--min-free-percent", "free space each filesystem must keep, %", 10);
        var freeGib = NumberOption("--min-free-gib", "free space each filesystem must keep, GiB", 1);
        var memPercent = NumberOption("--min-mem-percent", "MemAvailable the machine must keep, %", 10);
        var command = new Command("validate", "Post-deployment checks; exit code 0 only when every check passes.")
        {
            url, json, since, timeout, repo, freePercent, freeGib, memPercent,
        };
        command.SetAction((parse, ct) => RunValidateAsync(
            new ValidateArgs(parse.GetValue(url), parse.GetValue(json), parse.GetValue(since), parse.GetValue(timeout), parse.GetValue(repo),
                new HeadroomLimits(parse.GetValue(freePercent), parse.GetValue(freeGib), parse.GetValue(memPercent))), ct));
        return command;
    }

    private static Command Smoke()
    {
        var url = UrlOption("the API to send the synthetic event through (default MS5_API_URL)");
        var timeout = DurationOption("--timeout", "the longest the whole run may take", TimeSpan.FromSeconds(60));
        var command = new Command("smoke", "One synthetic event end to end through a temporary plant: historian, OEE API, live board; exit code 0 when every leg passed.")
        {
            url, timeout,
        };
        command.SetAction((parse, ct) => RunSmokeAsync(parse.GetValue(url), parse.GetValue(timeout), ct));
        return command;
    }

    private static async Task<int> RunValidateAsync(ValidateArgs args, CancellationToken ct)
    {
        if (Settings(out var error) is not { } settings)
        {
            await Console.Error.WriteLineAsync($"validate: {error}");
            return UsageError;
        }

        RepoFiles repo;
        try
        {
            repo = RepoFiles.Find(args.Repo);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"validate: {ex.Message}");
            return UsageError;
        }

        var watch = Stopwatch.StartNew();
        using var client = new HttpClient { Timeout = args.Timeout };
        var results = await CheckRunner.RunAsync(ValidateChecks.All(settings, args, repo, client), args.Timeout, ct);
        Console.Write(args.Json ? Report.Json(results) : Report.Table(results, watch.ElapsedMilliseconds));
        return Report.Passed(results) ? 0 : Failed;
    }

    private static async Task<int> RunSmokeAsync(Uri? url, TimeSpan timeout, CancellationToken ct)
    {
        if (Settings(out var error) is not { } settings)
        {
            await Console.Error.WriteLineAsync($"smoke: {error}");
            return UsageError;
        }

        if ((url ?? settings.ApiUrl) is not { } api)
        {
            await Console.Error.WriteLineAsync("smoke: no API address: pass --url or set MS5_API_URL");
            return UsageError;
        }

        if (settings.ApiToken is null)
        {
            await Console.Error.WriteLineAsync("smoke: MS5_API_TOKEN (an admin API key) is not set");
            return UsageError;
        }

        var watch = Stopwatch.StartNew();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var legs = await new SmokeTest(new Http(client, settings.ApiToken), api).RunAsync(timeout, ct);
        var results = legs.Select(l => new CheckResult(l.Name, l.Status, l.Ms, l.Detail)).ToList();
        Console.Write(Report.Table(results, watch.ElapsedMilliseconds));
        return Report.Passed(results) ? 0 : Failed;
    }

    private static OpsSettings? Settings(out string? error)
    {
        try
        {
            error = null;
            return OpsSettings.FromEnvironment();
        }
        catch (ArgumentException ex)
        {
            error = ex.Message;
            return null;
        }
    }
}

/// <summary>The validate command's options.</summary>
internal sealed record ValidateArgs(Uri? Url, bool Json, TimeSpan Since, TimeSpan Timeout, string? Repo, HeadroomLimits Limits);
