using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Ms5.Reports.Delivery;

namespace Ms5.Reports.Tests;

public sealed class SmtpOptionsTests
{
    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddReportMail(configuration).BuildServiceProvider();
    }

    [Fact]
    public void Defaults_WithoutHost_AreValidAndOff()
    {
        var options = new SmtpOptions();

        Assert.Empty(options.Validate());
        Assert.False(options.IsEnabled);
        Assert.Equal(25, options.Port);
        Assert.Equal(SecureSocketOptions.StartTlsWhenAvailable, options.SocketOptions);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Timeout);
    }

    [Theory]
    [InlineData(null, SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("", SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("auto", SecureSocketOptions.StartTlsWhenAvailable)]
    [InlineData("none", SecureSocketOptions.None)]
    [InlineData("StartTLS", SecureSocketOptions.StartTls)]
    [InlineData("ssl", SecureSocketOptions.SslOnConnect)]
    public void Security_MapsToMailKit(string? security, SecureSocketOptions expected)
    {
        var options = new SmtpOptions { Host = "smtp.plant.example", From = "ms5@plant.example", Security = security };

        Assert.Empty(options.Validate());
        Assert.Equal(expected, options.SocketOptions);
    }

    [Fact]
    public void Validate_BadSettings_NamesEachPath()
    {
        var options = new SmtpOptions
        {
            Host = "smtp.plant.example",
            Port = 0,
            Security = "tls",
            Timeout = TimeSpan.Zero,
            Password = "p",
            PasswordFile = "/run/secrets/smtp",
            From = "ms5",
        };

        Assert.Equal(
            [
                "Reports:Smtp:Port must be 1-65535, got 0",
                "Reports:Smtp:Security must be none, starttls, ssl or auto (STARTTLS when offered, the default), got 'tls'",
                "Reports:Smtp:Timeout must be more than 0 and at most 00:10:00, got 00:00:00",
                "Reports:Smtp:Password and Reports:Smtp:PasswordFile are both set: give one",
                "Reports:Smtp:UserName is required with a password",
                "Reports:Smtp:From 'ms5' is not an e-mail address",
            ],
            options.Validate());
    }

    [Theory]
    [InlineData(null, "Reports:Smtp:From is required when Reports:Smtp:Host is set (the sender, e.g. ms5@plant.example)")]
    [InlineData("bob@", "Reports:Smtp:From 'bob@' is not an e-mail address")]
    [InlineData("a@x.example, b@x.example", "Reports:Smtp:From 'a@x.example, b@x.example' is not an e-mail address")]
    public void Validate_WhenHostIsSet_NeedsOneSender(string? from, string expected)
    {
        Assert.Equal([expected], new SmtpOptions { Host = "smtp.plant.example", From = from }.Validate());
    }

    [Fact]
    public void Validate_UserNameWithoutPassword_IsAProblem()
    {
        Assert.Equal(
            ["Reports:Smtp:UserName is set: give Reports:Smtp:Password or Reports:Smtp:PasswordFile too"],
            new SmtpOptions { Host = "smtp.plant.example", From = "MS5 <ms5@plant.example>", UserName = "ms5" }.Validate());
    }

    [Fact]
    public void AddReportMail_BindsReportsSmtp()
    {
        using var services = Services(
            ("Reports:Smtp:Host", "smtp.plant.example"),
            ("Reports:Smtp:Port", "587"),
            ("Reports:Smtp:Security", "starttls"),
            ("Reports:Smtp:UserName", "ms5"),
            ("Reports:Smtp:PasswordFile", "/run/secrets/smtp"),
            ("Reports:Smtp:From", "MS5 <ms5@plant.example>"),
            ("Reports:Smtp:Timeout", "00:00:10"));

        var options = services.GetRequiredService<IOptions<SmtpOptions>>().Value;

        Assert.Equal(("smtp.plant.example", 587, SecureSocketOptions.StartTls), (options.Host, options.Port, options.SocketOptions));
        Assert.Equal(("ms5", "/run/secrets/smtp", "MS5 <ms5@plant.example>"), (options.UserName, options.PasswordFile, options.From));
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
        Assert.True(services.GetRequiredService<ReportMailer>().IsEnabled);
    }

    [Fact]
    public void AddReportMail_WithoutSettings_RegistersAMailerThatIsOff()
    {
        using var services = Services();

        Assert.False(services.GetRequiredService<ReportMailer>().IsEnabled);
    }

    [Fact]
    public void AddReportMail_WithABadSetting_RefusesNamingIt()
    {
        using var services = Services(("Reports:Smtp:Host", "smtp.plant.example"), ("Reports:Smtp:Port", "70000"));

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<ReportMailer>());

        Assert.Equal(
            [
                "Reports:Smtp:Port must be 1-65535, got 70000",
                "Reports:Smtp:From is required when Reports:Smtp:Host is set (the sender, e.g. ms5@plant.example)",
            ],
            ex.Failures);
    }
}
