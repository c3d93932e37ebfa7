using System.Text;

namespace Ms5.Analytics.Access;

/// <summary>
/// Which passwords an account may set. <see cref="Check"/> returns every rule the password breaks (empty = acceptable):
/// <list type="bullet">
/// <item><c>too_short</c> / <c>too_long</c>: fewer than <see cref="MinLength"/> or more than <see cref="MaxLength"/> characters.
/// Lengths count Unicode scalar values, so an emoji is one character, not two UTF-16 units.</item>
/// <item><c>common</c>: on the common-password list, compared case-insensitively. Besides the password as typed, two
/// forms are looked up, each also with leet substitutions undone: the password without its trailing digits, punctuation,
/// symbols and spaces ("Dragon2024!" → "dragon"), and that one with <c>@→a 0→o 1→i 3→e $→s 5→s</c> (and again with
/// <c>1→l</c>) ("P@ssw0rd!" → "password"). Nothing else is normalised: leading digits and other substitutions are not.</item>
/// <item><c>contains_user_name</c>: the user name (trimmed, at least 3 characters) appears in the password, ignoring case;
/// for an e-mail address the part before '@' counts as well.</item>
/// <item><c>repetitive</c>: fewer than 5 different characters, ignoring case ("aaaaaaaaaaaa", "abababababab").</item>
/// </list>
/// </summary>
public sealed class PasswordPolicy
{
    /// <summary>Longer passwords are refused, so that hashing a request body stays cheap.</summary>
    public const int MaxLength = 256;

    private const int MinDistinctCharacters = 5;
    private const int MinUserNameLength = 3;

    private static readonly Lazy<PasswordPolicy> DefaultPolicy = new(() => new PasswordPolicy(12, CommonPasswordList.Load()));

    private readonly HashSet<string> _common;

    /// <param name="minLength">1 to <see cref="MaxLength"/>.</param>
    /// <param name="commonPasswords">Refused passwords; case does not matter, blank entries are ignored.</param>
    public PasswordPolicy(int minLength, IEnumerable<string> commonPasswords)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minLength, MaxLength);
        ArgumentNullException.ThrowIfNull(commonPasswords);
        MinLength = minLength;
        _common = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in commonPasswords)
        {
            if (!string.IsNullOrWhiteSpace(entry))
            {
                _common.Add(entry.Trim().ToLowerInvariant());
            }
        }
    }

    private PasswordPolicy(int minLength, HashSet<string> common)
    {
        MinLength = minLength;
        _common = common;
    }

    /// <summary>The same list with another minimum length (configuration: Ms5:Auth:PasswordMinLength).</summary>
    public PasswordPolicy WithMinLength(int minLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minLength, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minLength, MaxLength);
        return new PasswordPolicy(minLength, _common);
    }

    /// <summary>At least 12 characters, and the shipped list of common passwords (embedded resource).</summary>
    public static PasswordPolicy Default => DefaultPolicy.Value;

    public int MinLength { get; }

    /// <summary>How many distinct common passwords are refused.</summary>
    internal int CommonPasswordCount => _common.Count;

    /// <param name="password">The candidate password.</param>
    /// <param name="userName">The account's user name, when known.</param>
    public IReadOnlyList<PasswordRule> Check(string password, string? userName)
    {
        ArgumentNullException.ThrowIfNull(password);
        var broken = new List<PasswordRule>();
        var length = password.EnumerateRunes().Count();
        if (length < MinLength)
        {
            broken.Add(new("too_short", $"must be at least {MinLength} characters"));
        }
        if (length > MaxLength)
        {
            broken.Add(new("too_long", $"must be at most {MaxLength} characters"));
        }
        var lower = password.ToLowerInvariant();
        if (IsCommon(lower))
        {
            broken.Add(new("common", "is one of the most commonly used passwords"));
        }
        if (ContainsUserName(lower, userName))
        {
            broken.Add(new("contains_user_name", "must not contain the user name"));
        }
        if (DistinctCharacters(lower) < MinDistinctCharacters)
        {
            broken.Add(new("repetitive", $"must contain at least {MinDistinctCharacters} different characters"));
        }
        return broken;
    }

    private bool IsCommon(string lower)
    {
        var stripped = TrimTrailingNonLetters(lower);
        return IsListed(lower) || IsListed(stripped)
            || IsListed(UndoLeet(lower, 'i')) || IsListed(UndoLeet(lower, 'l'))
            || IsListed(UndoLeet(stripped, 'i')) || IsListed(UndoLeet(stripped, 'l'));
    }

    private bool IsListed(string candidate) => candidate.Length > 0 && _common.Contains(candidate);

    private static string TrimTrailingNonLetters(string s)
    {
        var end = s.Length;
        while (end > 0 && (char.IsDigit(s[end - 1]) || char.IsPunctuation(s[end - 1]) || char.IsSymbol(s[end - 1]) || char.IsWhiteSpace(s[end - 1])))
        {
            end--;
        }
        return s[..end];
    }

    private static string UndoLeet(string s, char one)
    {
        var chars = s.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = chars[i] switch
            {
                '@' => 'a',
                '0' => 'o',
                '1' => one,
                '3' => 'e',
                '$' or '5' => 's',
                var c => c,
            };
        }
        return new string(chars);
    }

    private static bool ContainsUserName(string lowerPassword, string? userName)
    {
        var name = userName?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }
        var at = name.IndexOf('@', StringComparison.Ordinal);
        var local = at > 0 ? name[..at] : null;
        return Appears(name) || (local is not null && Appears(local));

        bool Appears(string part) => part.Length >= MinUserNameLength && lowerPassword.Contains(part, StringComparison.Ordinal);
    }

    private static int DistinctCharacters(string lower)
    {
        var seen = new HashSet<Rune>();
        foreach (var rune in lower.EnumerateRunes())
        {
            seen.Add(rune);
            if (seen.Count >= MinDistinctCharacters)
            {
                break;
            }
        }
        return seen.Count;
    }
}
