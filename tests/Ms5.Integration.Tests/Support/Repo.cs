namespace Ms5.Integration.Tests.Support;

/// <summary>Paths inside the repository and the build configuration the tests were built with.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string DemoPlant => Path.Combine(Root, "infra", "plants", "demo-plant.json");

    public static string Dll(string projectDir, string name) => Path.Combine(Root, projectDir, "bin", Configuration, "net10.0", name + ".dll");

    /// <summary>The historian host (PostgreSQL and InfluxDB sinks, migrate).</summary>
    public static string HistorianDll => Dll("stream/Ms5.Historian", "Ms5.Historian");

    /// <summary>The OEE engine host (engine, ticker, Andon).</summary>
    public static string EngineDll => Dll("stream/Ms5.OeeEngine", "Ms5.OeeEngine");

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
