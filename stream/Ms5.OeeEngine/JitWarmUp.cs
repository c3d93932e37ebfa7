using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Ms5.OeeEngine;

/// <summary>
/// Compiles the batch path's code on a background thread as the engine starts, instead of at its first call inside the
/// first batches. The engine runs without tiered compilation (<c>Ms5.OeeEngine.csproj</c>): every method is compiled
/// optimized the first time it runs, and a backlog waiting at start (a restart after an outage, a deploy) was where the
/// batch path ran first: 0.5-1.0 s of JIT inside a 1M-event drain, and the first live events after a restart waited for
/// it too. Only non-generic code of MS5's own engine assemblies is compiled here (generic instantiations, the Kafka and
/// PostgreSQL clients' code still compile at first use). Skipped when tiered compilation is on (the integration tests
/// run the engine tiered: there the runtime compiles cheaply first and this would only add work).
/// </summary>
internal sealed class JitWarmUp(IOptions<EngineOptions> options, ILogger<JitWarmUp> logger) : BackgroundService
{
    private static readonly Gauge Seconds = Metrics.CreateGauge("ms5_oee_jit_warmup_seconds", "Time the engine spent compiling its batch path at start (0 until done, or when skipped).");

    /// <summary>The assemblies whose code a batch runs, and of MS5's domain library (<see cref="Domain"/>) the namespaces it uses.</summary>
    private static readonly Assembly[] Assemblies =
    [
        typeof(JitWarmUp).Assembly, typeof(Ms5.Kafka.KafkaOptions).Assembly, typeof(Ms5.Postgres.OeeStore).Assembly,
        typeof(Ms5.Influx.InfluxWriter).Assembly, typeof(Ms5.Alertmanager.AlertmanagerClient).Assembly, Domain,
    ];

    private static Assembly Domain => typeof(Ms5.Analytics.Events.EventParser).Assembly;

    private static readonly string[] AnalyticsNamespaces = ["Ms5.Analytics.Oee", "Ms5.Analytics.Andon", "Ms5.Analytics.Events", "Ms5.Analytics.Plant", "Ms5.Analytics.Contracts", "Ms5.Analytics.Orders"];

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Seconds.Set(0);
        if (!options.Value.JitWarmUp || TieredCompilation())
        {
            return Task.CompletedTask;
        }

        // A thread of its own, not the thread pool's: the consumer and the first batch start meanwhile.
        return Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Run(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var (compiled, failed) = CompileAhead(ct);
            Seconds.Set(clock.Elapsed.TotalSeconds);
            logger.LogInformation("Compiled {Methods} methods of the batch path ahead in {Elapsed} ms ({Failed} left to their first call)", compiled, clock.ElapsedMilliseconds, failed);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Only an optimisation: whatever was not compiled here is compiled at its first call. It must never stop the host.
            logger.LogWarning(ex, "Compiling the batch path ahead stopped after {Elapsed} ms; the rest is compiled at first call", clock.ElapsedMilliseconds);
        }
    }

    /// <summary>Compiles every listed method not compiled yet; returns how many were prepared and how many the runtime refused.</summary>
    internal static (int Compiled, int Failed) CompileAhead(CancellationToken ct)
    {
        var (compiled, failed) = (0, 0);
        foreach (var type in Types())
        {
            foreach (var method in Methods(type))
            {
                if (ct.IsCancellationRequested)
                {
                    return (compiled, failed);
                }

                try
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                    compiled++;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A method the runtime cannot compile ahead (compiled at first call as before).
                    failed++;
                }
            }
        }

        return (compiled, failed);
    }

    /// <summary>Whether the runtime tiers (environment first, as the runtime reads it, then the app's runtimeconfig).</summary>
    internal static bool TieredCompilation()
    {
        foreach (var name in (string[])["DOTNET_TieredCompilation", "COMPlus_TieredCompilation"])
        {
            // The runtime reads its knobs as hexadecimal numbers and ignores a value that is not one.
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
                && uint.TryParse(value.Trim().Replace("0x", "", StringComparison.OrdinalIgnoreCase), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                return number != 0;
            }
        }

        // The runtimeconfig property: tiering unless it says false.
        return AppContext.GetData("System.Runtime.TieredCompilation") is not (false or "false" or "False");
    }

    private static IEnumerable<Type> Types()
    {
        foreach (var assembly in Assemblies)
        {
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException ex)
            {
                types = [.. ex.Types.OfType<Type>()];
            }

            foreach (var type in types)
            {
                // Nested types (async state machines, lambdas' closures) are in GetTypes too; their namespace is their outer type's.
                if (type.ContainsGenericParameters || type.IsInterface || (assembly == Domain && !InAnalyticsNamespaces(type)))
                {
                    continue;
                }

                yield return type;
            }
        }
    }

    private static bool InAnalyticsNamespaces(Type type) =>
        type.Namespace is { } ns && AnalyticsNamespaces.Any(n => ns == n || ns.StartsWith(n + ".", StringComparison.Ordinal));

    private static IEnumerable<MethodBase> Methods(Type type)
    {
        const BindingFlags all = BindingFlags.DeclaredOnly | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method.IsAbstract || method.ContainsGenericParameters
                || (method.MethodImplementationFlags & (MethodImplAttributes.InternalCall | MethodImplAttributes.Runtime)) != 0
                || (method.Attributes & MethodAttributes.PinvokeImpl) != 0)
            {
                continue;
            }

            yield return method;
        }
    }
}
