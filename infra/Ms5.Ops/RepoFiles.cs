namespace Ms5.Ops;

/// <summary>
/// The shipped configuration files validate compares a deployment with (Prometheus rules, Alertmanager config):
/// under --repo, else the MS5 checkout this tool runs from or the current directory is in (the folder with MS5.sln).
/// </summary>
internal sealed record RepoFiles(string? Root)
{
    public static RepoFiles Find(string? repo)
    {
        if (repo is not null)
        {
            return new RepoFiles(Directory.Exists(repo) ? Path.GetFullPath(repo) : throw new ArgumentException($"--repo {repo}: no such directory"));
        }

        return new RepoFiles(Up(AppContext.BaseDirectory) ?? Up(Directory.GetCurrentDirectory()));
    }

    public string? PrometheusRulesDir => Root is null ? null : Path.Combine(Root, "infra", "prometheus", "rules");

    public string? AlertmanagerConfig => Root is null ? null : Path.Combine(Root, "infra", "alertmanager", "alertmanager.yml");

    private static string? Up(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MS5.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
