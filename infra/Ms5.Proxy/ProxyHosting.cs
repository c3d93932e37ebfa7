using Ms5.ServiceDefaults;

namespace Ms5.Proxy;

/// <summary>A setting that stops start-up; the message names it.</summary>
internal sealed class ProxySettingsException(string message) : Exception(message);

/// <summary>The proxy's areas: its settings and listeners, the switchboard, forwarding on the public port, the admin port.</summary>
internal static class ProxyHosting
{
    /// <summary>Settings (throws <see cref="ProxySettingsException"/> naming each bad one), listeners, TLS, services.</summary>
    public static IHostApplicationBuilder AddMs5Proxy(this WebApplicationBuilder builder)
    {
        builder.AddMs5TlsCertificate();
        var (options, problems) = ProxyOptions.Load(builder.Configuration);
        if (problems.Count > 0)
        {
            throw new ProxySettingsException("ms5-proxy: bad setting(s):" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
        }

        builder.WebHost.UseUrls(options.PublicUri.GetLeftPart(UriPartial.Authority), options.AdminUri.GetLeftPart(UriPartial.Authority));
        // Kestrel's own limit off: forwarding lifts it per request anyway, the API enforces its own.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Services.AddProblemDetails();
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new StateFile(options.StateFile!));
        builder.Services.AddSingleton<ReadinessProbe>();
        builder.Services.AddSingleton<Forwarding>();
        builder.Services.AddSingleton(sp => AdminToken.Load(options.AdminTokenFile!, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Ms5.Proxy")));
        builder.Services.AddSingleton(sp => CreateSwitchboard(sp, options));
        builder.Services.AddReadinessCheck<UpstreamHealthCheck>("upstream");
        return builder;
    }

    /// <summary>
    /// Requests on the public port are forwarded, all of them (the admin paths too: the upstream answers those); the
    /// rest of the pipeline (routing, /proxy/*, /healthz, /readyz, /metrics) sees only the admin port. The port decides,
    /// never the Host header a client chose.
    /// </summary>
    public static WebApplication UseMs5Proxy(this WebApplication app)
    {
        var adminPort = app.Services.GetRequiredService<ProxyOptions>().AdminUri.Port;
        // Resolved now so a bad state or token file stops start-up, not the first request.
        var switchboard = app.Services.GetRequiredService<Switchboard>();
        app.Services.GetRequiredService<AdminToken>();
        var forwarding = app.Services.GetRequiredService<Forwarding>();
        app.Use((ctx, next) => ctx.Connection.LocalPort == adminPort ? next(ctx) : forwarding.ForwardAsync(ctx));
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.MapMs5DefaultEndpoints();
        app.MapProxyAdminApi();
        var state = switchboard.State;
        app.Logger.LogInformation("Proxy on {PublicUrl} (admin {AdminUrl}) forwarding to {Slot} {Upstream} (release {Release})",
            app.Services.GetRequiredService<ProxyOptions>().PublicUrl, app.Services.GetRequiredService<ProxyOptions>().AdminUrl, state.Active?.Slot, state.Active?.Url, state.Active?.Release);
        return app;
    }

    /// <summary>The state file wins; without one, Proxy:Upstream/Slot/Release (written to the file at once); else none yet.</summary>
    private static Switchboard CreateSwitchboard(IServiceProvider sp, ProxyOptions options)
    {
        var file = sp.GetRequiredService<StateFile>();
        var time = sp.GetRequiredService<TimeProvider>();
        ProxyState? stored;
        try
        {
            stored = file.Read();
        }
        catch (InvalidDataException ex)
        {
            throw new ProxySettingsException(ex.Message);
        }

        var initial = stored ?? new ProxyState(
            string.IsNullOrWhiteSpace(options.Upstream) ? null : new Upstream(options.Slot!, ProxyOptions.NormalizeUpstream(options.Upstream), options.Release ?? "", time.GetUtcNow()),
            null);
        if (stored is null && initial.Active is not null)
        {
            file.WriteAsync(initial, CancellationToken.None).GetAwaiter().GetResult();
        }

        return new Switchboard(file, initial, time, sp.GetRequiredService<ILogger<Switchboard>>());
    }
}
