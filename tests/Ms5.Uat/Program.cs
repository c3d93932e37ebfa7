using System.CommandLine;
using Ms5.Uat;

var url = new Option<string?>("--url") { Description = "the deployment's API (default: MS5_API_URL)", HelpName = "URL" };
var tokenFile = new Option<FileInfo?>("--token-file") { Description = "a file holding an admin API key (default: MS5_API_TOKEN)", HelpName = "FILE" };
var output = new Option<DirectoryInfo>("--out") { Description = "where uat-results.xml and uat-summary.md go", HelpName = "DIR", DefaultValueFactory = _ => new DirectoryInfo(".ms5/uat") };
var areas = new Option<string[]>("--area") { Description = $"run only this area (repeatable): {string.Join(", ", Areas.All.Select(a => a.Name))}", HelpName = "NAME", AllowMultipleArgumentsPerToken = false };
var perfSeconds = new Option<double>("--perf-seconds") { Description = "seconds of load per endpoint in the performance area", DefaultValueFactory = _ => 5 };
var workers = new Option<int>("--workers") { Description = "concurrent workers (each with an API key of its own) in the performance area", DefaultValueFactory = _ => 8 };
var root = new RootCommand(
    "MS5 user-acceptance tests against a running deployment (HTTP and WebSocket only). Creates a temporary plant uat-<run>, users and API keys, "
    + "checks every acceptance area, removes all it created, and writes JUnit XML and a Markdown summary. Exit code 0 only when every case passed.")
{
    url, tokenFile, output, areas, perfSeconds, workers,
};
root.SetAction(async (parse, ct) =>
{
    var baseUrl = parse.GetValue(url) ?? Environment.GetEnvironmentVariable("MS5_API_URL");
    string? token;
    if (parse.GetValue(tokenFile) is { } f)
    {
        if (!f.Exists)
        {
            await Console.Error.WriteLineAsync($"--token-file: {f.FullName} does not exist");
            return 2;
        }

        token = (await File.ReadAllTextAsync(f.FullName, ct)).Trim();
    }
    else
    {
        token = Environment.GetEnvironmentVariable("MS5_API_TOKEN")?.Trim();
    }

    if (string.IsNullOrEmpty(baseUrl) || !Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
    {
        await Console.Error.WriteLineAsync($"--url (or MS5_API_URL) must be the API's http(s) URL, got '{baseUrl}'");
        return 2;
    }

    if (string.IsNullOrEmpty(token))
    {
        await Console.Error.WriteLineAsync("an admin API key is needed: --token-file FILE or MS5_API_TOKEN");
        return 2;
    }

    var selected = parse.GetValue(areas) ?? [];
    var unknown = selected.Where(a => Areas.All.All(x => x.Name != a)).ToList();
    if (unknown.Count > 0)
    {
        await Console.Error.WriteLineAsync($"--area: unknown area(s) {string.Join(", ", unknown)}; known: {string.Join(", ", Areas.All.Select(a => a.Name))}");
        return 2;
    }

    var seconds = parse.GetValue(perfSeconds);
    var workerCount = parse.GetValue(workers);
    if (seconds is <= 0 or > 600 || workerCount is < 1 or > 256)
    {
        await Console.Error.WriteLineAsync("--perf-seconds must be more than 0 and at most 600, --workers 1 to 256");
        return 2;
    }

    if (await UatRunner.PreflightAsync(uri, token) is { } refused)
    {
        await Console.Error.WriteLineAsync(refused);
        return 2;
    }

    var am = Environment.GetEnvironmentVariable("MS5_ALERTMANAGER_URL") is { Length: > 0 } a && Uri.TryCreate(a, UriKind.Absolute, out var amUri) ? amUri : null;
    var report = await UatRunner.RunAsync(uri, token, am, selected, new Performance(TimeSpan.FromSeconds(seconds), workerCount));
    var dir = parse.GetValue(output)!;
    dir.Create();
    await File.WriteAllTextAsync(Path.Combine(dir.FullName, "uat-results.xml"), ResultWriters.JUnit(report), ct);
    await File.WriteAllTextAsync(Path.Combine(dir.FullName, "uat-summary.md"), ResultWriters.Markdown(report), ct);
    Console.WriteLine($"\n{(report.Passed ? "PASSED" : "FAILED")}: {report.Cases.Count(c => c.Passed)} of {report.Cases.Count} cases in {report.Duration.TotalSeconds:0.0} s; {Path.Combine(dir.FullName, "uat-results.xml")}, uat-summary.md");
    return report.Passed ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();
