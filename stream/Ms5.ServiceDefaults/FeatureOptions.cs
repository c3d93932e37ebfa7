using Microsoft.Extensions.Configuration;

namespace Ms5.ServiceDefaults;

/// <summary>
/// The feature flags of an environment (section <c>Ms5:Features</c>; MS5_FEATURE_REPORTS, MS5_FEATURE_ML and
/// MS5_FEATURE_EMAIL, infra/env/*.env), each <c>true</c> or <c>false</c> (default true). Reports off: the reports host
/// schedules no report job (and removes the ones stored). ML off: the engine scores no stop live and the reports host
/// trains no model. E-mail off: no report is mailed. Kept as text so a bad value is refused naming its variable.
/// </summary>
public sealed class FeatureOptions : ISelfValidatingOptions
{
    public const string Section = Ms5Settings.Section + ":Features";

    public string Reports { get; set; } = "true";

    public string Ml { get; set; } = "true";

    public string Email { get; set; } = "true";

    public bool ReportsOn => IsOn(Reports);

    public bool MlOn => IsOn(Ml);

    public bool EmailOn => IsOn(Email);

    /// <summary>The flags as configured (for registration code that runs before the host validates its options).</summary>
    public static FeatureOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<FeatureOptions>() ?? new FeatureOptions();

    public IEnumerable<string> Validate()
    {
        foreach (var (name, variable, value) in new[]
                 {
                     (nameof(Reports), "MS5_FEATURE_REPORTS", Reports),
                     (nameof(Ml), "MS5_FEATURE_ML", Ml),
                     (nameof(Email), "MS5_FEATURE_EMAIL", Email),
                 })
        {
            if (!bool.TryParse(value, out _))
            {
                yield return $"{Section}:{name} ({variable}) must be true or false, got '{value}'";
            }
        }
    }

    /// <summary>Only "true" (any case) switches a feature on; a bad value is refused at start by <see cref="Validate"/>.</summary>
    private static bool IsOn(string value) => bool.TryParse(value, out var on) && on;
}
