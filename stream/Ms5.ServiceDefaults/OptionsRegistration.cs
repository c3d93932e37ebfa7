using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Ms5.ServiceDefaults;

/// <summary>Options that list their own problems, each naming the setting's path.</summary>
public interface ISelfValidatingOptions
{
    IEnumerable<string> Validate();
}

public static class OptionsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> to <paramref name="section"/> and refuses to start while it has problems.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class, ISelfValidatingOptions
    {
        services.AddSingleton<IValidateOptions<T>, SelfValidation<T>>();
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    private sealed class SelfValidation<T> : IValidateOptions<T>
        where T : class, ISelfValidatingOptions
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = options.Validate().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
