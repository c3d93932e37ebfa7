using System.Text.Json;

namespace Ms5.Integration.Tests.Support;

/// <summary>The login page (/login.html) driven in headless Chromium, as a person uses it.</summary>
internal static class LoginPage
{
    public const string Ready = "location.pathname === '/login.html' && document.body?.dataset.ready === 'true'";

    /// <summary>Waits for the login page (a page without a session redirects there), fills in the form and submits it (the error box hidden first, so that the next one shows).</summary>
    public static async Task SubmitAsync(HeadlessChromium chromium, string userName, string password)
    {
        await chromium.WaitForAsync(Ready, TimeSpan.FromSeconds(20), () => "the login page");
        await chromium.EvaluateAsync($$"""
            (() => { document.getElementById('error').hidden = true;
                     document.getElementById('user').value = {{JsonSerializer.Serialize(userName)}};
                     document.getElementById('password').value = {{JsonSerializer.Serialize(password)}};
                     document.getElementById('sign-in').click(); })()
            """);
    }

    /// <summary>The text of the form's error box once it shows ("" while hidden).</summary>
    public static async Task<string> ErrorAsync(HeadlessChromium chromium)
    {
        await chromium.WaitForAsync("!document.getElementById('error').hidden", TimeSpan.FromSeconds(10), () => "the login page's error");
        return (await chromium.EvaluateAsync("document.getElementById('error').textContent")).GetString() ?? "";
    }
}
