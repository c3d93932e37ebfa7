namespace Ms5.Stream.Tests.Support;

/// <summary>Files of the repository the tests read (the demo plant).</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string DemoPlant => Path.Combine(Root, "infra", "plants", "demo-plant.json");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MS5.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("MS5.sln not found above " + AppContext.BaseDirectory);
    }
}
