using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ms5.Postgres;
using Ms5.ServiceDefaults;

namespace Ms5.Reports;

public static class ReportsRegistration
{
    /// <summary>Report options (section <c>Reports</c>), the report queries and store, the anomaly flags and production orders (shift reports list them), and the generator. Needs <c>AddMs5Postgres()</c>.</summary>
    public static IHostApplicationBuilder AddMs5Reports(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<ReportOptions>(builder.Configuration, ReportOptions.Section)
            .PostConfigure<IOptions<FeatureOptions>>((o, features) => o.Email &= features.Value.EmailOn); // MS5_FEATURE_EMAIL=false: no report mail
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ReportOptions>>().Value);
        builder.Services.AddSingleton<ReportQueries>();
        builder.Services.AddSingleton<ReportStore>();
        builder.Services.TryAddSingleton<AnomalyStore>();
        builder.Services.TryAddSingleton<OrderStore>();
        builder.Services.AddSingleton<ReportGenerator>();
        return builder;
    }
}
