using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ms5.ServiceDefaults;

namespace Ms5.Reports.Delivery;

public static class ReportMailRegistration
{
    /// <summary>
    /// <see cref="SmtpOptions"/> from <c>Reports:Smtp</c> (validated when the host starts; a bad setting names its path)
    /// and a singleton <see cref="ReportMailer"/>. Without <c>Reports:Smtp:Host</c> the mailer is registered but off
    /// (<see cref="ReportMailer.IsEnabled"/>).
    /// </summary>
    public static IServiceCollection AddReportMail(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddLogging();
        services.AddValidatedOptions<SmtpOptions>(configuration, SmtpOptions.Section);
        services.TryAddSingleton<ReportMailer>();
        return services;
    }
}
