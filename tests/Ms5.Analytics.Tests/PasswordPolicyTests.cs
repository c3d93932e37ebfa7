using Ms5.Analytics.Access;

namespace Ms5.Analytics.Tests;

public sealed class PasswordPolicyTests
{
    private static readonly PasswordPolicy Policy = PasswordPolicy.Default;

    /// <summary>Random-looking, 12 characters, breaks no rule; cut or repeated to make other lengths.</summary>
    private const string Strong = "Tq7vRm2pLx9w";

    private static string[] Codes(string password, string? userName = null) =>
        Policy.Check(password, userName).Select(rule => rule.Code).ToArray();

    [Fact]
    public void Default_IsTwelveCharactersAndTheShippedList()
    {
        Assert.Equal(12, Policy.MinLength);
        // 49,232 from @zxcvbn-ts/language-common 4.1.3 plus 21 MS5 additions; change this when the list changes.
        Assert.Equal(49_253, Policy.CommonPasswordCount);
        Assert.True(Policy.CommonPasswordCount >= 10_000);
    }

    [Fact]
    public void ShippedList_SkipsCommentLines_AndIsLowerCase()
    {
        var list = CommonPasswordList.Load();

        Assert.Equal("123456", list[0]);
        Assert.Equal("password", list[1]);
        Assert.Equal("correcthorsebatterystaple", list[^1]);
        Assert.DoesNotContain(list, entry => entry.StartsWith('#'));
        Assert.All(list, entry => Assert.Equal(entry.Trim().ToLowerInvariant(), entry));
    }

    [Theory]
    [InlineData("Tq7vRm2pLx9w")]
    [InlineData("lathe-spindle-orbit-7-quartz")]
    [InlineData("Xk9#mQ2$vL7!pR")]
    [InlineData("correct horse battery staple on line 4")]
    public void Check_StrongPassword_BreaksNoRule(string password)
    {
        Assert.Empty(Policy.Check(password, "hans.mueller"));
    }

    [Fact]
    public void Check_ElevenCharacters_IsTooShort_TwelveIsEnough()
    {
        var rules = Policy.Check(Strong[..11], null);

        Assert.Equal([new PasswordRule("too_short", "must be at least 12 characters")], rules);
        Assert.Empty(Policy.Check(Strong, null));
    }

    [Fact]
    public void Check_TooShortMessage_NamesTheConfiguredLength()
    {
        var policy = new PasswordPolicy(8, []);

        Assert.Equal([new PasswordRule("too_short", "must be at least 8 characters")], policy.Check("Tq7vRm2", null));
        Assert.Empty(policy.Check("Tq7vRm2p", null));
    }

    [Fact]
    public void Check_LengthCountsCharactersNotUtf16Units()
    {
        // Each emoji is two UTF-16 units: 13 units but 11 characters, then 14 units and 12 characters.
        Assert.Equal(["too_short"], Codes("Tq7vRm2pL🙂🙂"));
        Assert.Empty(Codes("Tq7vRm2pLx🙂🙂"));
    }

    [Fact]
    public void Check_256Characters_IsAccepted_257IsTooLong()
    {
        var long256 = string.Concat(Enumerable.Repeat(Strong, 22))[..256];
        var long257 = long256 + "k";

        Assert.Empty(Policy.Check(long256, null));
        Assert.Equal([new PasswordRule("too_long", "must be at most 256 characters")], Policy.Check(long257, null));
    }

    [Theory]
    [InlineData("password1234")]
    [InlineData("qwertyuiop123")]
    [InlineData("123456789012")]
    [InlineData("iloveyou1234")]
    [InlineData("PASSWORD1234")]          // case
    [InlineData("Password1234!")]         // case, trailing punctuation
    [InlineData("Dragon2024!!")]          // trailing digits and punctuation
    [InlineData("sunshine    !")]         // trailing spaces
    [InlineData("P@$$w0rd2024!")]         // @ $ 0 undone after the trailing part is stripped
    [InlineData("1lovey0u1234")]          // 1 -> i, 0 -> o
    [InlineData("f1ower123456")]          // 1 -> l
    [InlineData("$un5h1n3!!!!")]          // $ 5 -> s, 3 -> e
    [InlineData("m0nkeym0nkey")]          // leet without a trailing part
    [InlineData("correcthorsebatterystaple")] // MS5 addition
    [InlineData("QwertyuiopAsdfghjkl")]   // MS5 addition
    public void Check_CommonPassword_IsRefused(string password)
    {
        Assert.Equal([new PasswordRule("common", "is one of the most commonly used passwords")], Policy.Check(password, null));
    }

    [Theory]
    [InlineData("2024dragon!!")]          // leading digits are not stripped
    [InlineData("dragon2024!!x")]         // the trailing part must end the password
    public void Check_NormalisationStopsWhereDocumented(string password)
    {
        Assert.Empty(Policy.Check(password, null));
    }

    [Fact]
    public void Check_CustomList_IsCaseInsensitive()
    {
        var policy = new PasswordPolicy(8, ["  Hunter2Hunter ", "", "   "]);

        Assert.Equal(["common"], policy.Check("HUNTER2HUNTER", null).Select(rule => rule.Code));
        Assert.Empty(policy.Check("Hunter3Hunter", null));
    }

    [Theory]
    [InlineData("Zq!8-ALICE-rides", "alice")]
    [InlineData("Zq!8-alice-rides", "Alice")]
    [InlineData("Zq!8-bob-rides-7", "bob")]
    [InlineData("Zq!8-carol-rides", "carol@plant.example")]       // the part before '@'
    [InlineData("Zq!8 hans.mueller!", " Hans.Mueller ")]           // trimmed
    public void Check_ContainsUserName_IsRefused(string password, string userName)
    {
        Assert.Equal([new PasswordRule("contains_user_name", "must not contain the user name")], Policy.Check(password, userName));
    }

    [Theory]
    [InlineData("Zq!8-al-rides-7", "al")]   // shorter than 3 characters
    [InlineData("Zq!8-al-rides-7", null)]
    [InlineData("Zq!8-al-rides-7", "   ")]
    [InlineData("Zq!8-ma-rides-7", "@ma")]  // nothing before '@': only the whole name counts
    public void Check_ShortOrMissingUserName_IsNotLookedFor(string password, string? userName)
    {
        Assert.Empty(Policy.Check(password, userName));
    }

    [Theory]
    [InlineData("aaaaaaaaaaaa")]
    [InlineData("abababababab")]
    [InlineData("AbAbAbAbAbAb")]  // case is ignored: 2 different characters
    [InlineData("zxqvzxqvzxqv")]  // 4 different characters
    public void Check_FewerThanFiveDifferentCharacters_IsRepetitive(string password)
    {
        Assert.Equal([new PasswordRule("repetitive", "must contain at least 5 different characters")], Policy.Check(password, null));
    }

    [Fact]
    public void Check_FiveDifferentCharacters_IsNotRepetitive()
    {
        Assert.Empty(Policy.Check("zxqvkzxqvkzx", null));
    }

    [Fact]
    public void Check_ReportsEveryBrokenRule_InAFixedOrder()
    {
        Assert.Equal(["too_short", "repetitive"], Codes(""));
        Assert.Equal(["too_short", "common", "contains_user_name"], Codes("Dragon1!", "dragon"));
    }

    [Fact]
    public void Constructor_RejectsLengthsOutsideOneTo256()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordPolicy(0, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PasswordPolicy(257, []));
        Assert.Equal(256, new PasswordPolicy(256, []).MinLength);
    }
}
