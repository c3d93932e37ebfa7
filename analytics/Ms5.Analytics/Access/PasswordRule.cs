namespace Ms5.Analytics.Access;

/// <summary>
/// A password rule the password broke: a stable <paramref name="Code"/> for clients and a
/// <paramref name="Message"/> that completes "Password …" in an HTTP 400.
/// </summary>
public sealed record PasswordRule(string Code, string Message);
