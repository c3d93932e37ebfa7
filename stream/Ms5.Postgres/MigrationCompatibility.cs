using System.Text;
using System.Text.RegularExpressions;

namespace Ms5.Postgres;

/// <summary>A statement of a migration that the release serving beside it may not survive.</summary>
/// <param name="Version">The migration (file name without .sql).</param>
/// <param name="Line">1-based line of the statement in the file.</param>
/// <param name="Statement">The statement, shortened to one line.</param>
/// <param name="Reason">Why the serving release may break.</param>
public sealed record MigrationProblem(string Version, int Line, string Statement, string Reason)
{
    public override string ToString() => $"{Version}.sql line {Line}: {Reason}: {Statement}";
}

/// <summary>
/// Expand-first check for a deploy beside a running release (README "Deploy"). While two releases share the database,
/// a migration may only add: new tables, new nullable (or defaulted) columns, new indexes, new functions. A statement
/// that drops, renames, changes a type, tightens a column or adds a constraint to an existing table can make the
/// serving release fail, so the deploy refuses the migration before anything is applied. Such a change is split: the
/// expand part ships first; the contract part (marked <c>-- ms5:contract</c>) ships with a later release and is applied
/// by <c>./ms5 up</c> once no release uses the old shape. A file marked <c>-- ms5:expand-safe: reason</c> is taken as
/// safe on its author's word (the reason is printed).
/// </summary>
public static partial class MigrationCompatibility
{
    private static readonly (Regex Pattern, string Reason)[] Rules =
    [
        (Rx(@"^DROP\s+(TABLE|VIEW|MATERIALIZED\s+VIEW|FUNCTION|PROCEDURE|TYPE|SCHEMA|SEQUENCE|INDEX|TRIGGER|DOMAIN)\b"), "drops an object the serving release may use"),
        (Rx(@"^ALTER\s+TABLE\b.*\bDROP\s+(COLUMN\b|CONSTRAINT\b|(?!DEFAULT|NOT\s+NULL|IDENTITY|EXPRESSION)\w+)"), "drops a column or constraint the serving release may use"),
        (Rx(@"\bRENAME\b"), "renames what the serving release refers to by name"),
        (Rx(@"^ALTER\s+TABLE\b.*\bALTER\s+(COLUMN\s+)?\S+\s+(SET\s+DATA\s+)?TYPE\b"), "changes a column's type under the serving release"),
        (Rx(@"^ALTER\s+TABLE\b.*\bSET\s+NOT\s+NULL\b"), "makes a column NOT NULL: the serving release's inserts without it fail"),
        (Rx(@"^ALTER\s+TABLE\b.*\bDROP\s+DEFAULT\b"), "drops a default the serving release's inserts rely on"),
        (Rx(@"^ALTER\s+TABLE\b.*\bADD\s+(CONSTRAINT\b|CHECK\b|UNIQUE\b|FOREIGN\s+KEY\b|PRIMARY\s+KEY\b|EXCLUDE\b)"), "adds a constraint that can refuse the serving release's writes"),
        (Rx(@"^CREATE\s+UNIQUE\s+INDEX\b"), "a new unique index can refuse the serving release's writes"),
        (Rx(@"^(TRUNCATE|DELETE\s+FROM)\b"), "removes data the serving release may read"),
    ];

    private static readonly Regex AddNotNullColumn = Rx(@"^ALTER\s+TABLE\b.*\bADD\s+(COLUMN\s+)?(IF\s+NOT\s+EXISTS\s+)?\S+\s+[^,]*\bNOT\s+NULL\b");
    private static readonly Regex HasDefault = Rx(@"\bDEFAULT\b|\bGENERATED\b");

    /// <summary>Problems of one migration for a deploy beside a running release; empty when it only expands.</summary>
    public static IReadOnlyList<MigrationProblem> Check(string version, string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        if (Marker(sql, "expand-safe") is not null)
        {
            return [];
        }

        if (Marker(sql, "contract") is not null)
        {
            return [new MigrationProblem(version, 1, "-- ms5:contract", "a contract migration: it is applied by ./ms5 up once no release uses the old schema, never by a deploy beside one")];
        }

        var problems = new List<MigrationProblem>();
        foreach (var (text, line) in Statements(sql))
        {
            var oneLine = Regex.Replace(text, @"\s+", " ").Trim();
            var shown = oneLine.Length > 160 ? oneLine[..157] + "..." : oneLine;
            foreach (var clause in Clauses(oneLine))
            {
                var reason = Rules.FirstOrDefault(r => r.Pattern.IsMatch(clause)).Reason;
                if (reason is null && AddNotNullColumn.IsMatch(clause) && !HasDefault.IsMatch(clause))
                {
                    reason = "adds a NOT NULL column without a default: the serving release's inserts fail";
                }

                if (reason is not null)
                {
                    problems.Add(new MigrationProblem(version, line, shown, reason));
                    break;
                }
            }
        }

        return problems;
    }

    /// <summary>The text after <c>-- ms5:NAME</c> in a comment line, or null when the file has no such marker.</summary>
    public static string? Marker(string sql, string name)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var m = Regex.Match(sql, $@"^\s*--\s*ms5:{Regex.Escape(name)}\b:?(.*)$", RegexOptions.Multiline | RegexOptions.IgnoreCase);
        return m.Success ? m.Groups[1].Value.Trim() : null;
    }

    /// <summary>
    /// The statements of a script with their first line: comments, string literals and dollar-quoted bodies are blanked
    /// (so a word inside them is never taken for SQL), then the script is split at semicolons.
    /// </summary>
    internal static IEnumerable<(string Text, int Line)> Statements(string sql)
    {
        var clean = Blank(sql);
        var start = 0;
        for (var i = 0; i <= clean.Length; i++)
        {
            if (i < clean.Length && clean[i] != ';')
            {
                continue;
            }

            var text = clean[start..i];
            if (!string.IsNullOrWhiteSpace(text))
            {
                var offset = start + (text.Length - text.TrimStart().Length);
                yield return (text.Trim(), 1 + sql.AsSpan(0, offset).Count('\n'));
            }

            start = i + 1;
        }
    }

    // ALTER TABLE t ADD x ..., DROP y ...: each action on its own, with the ALTER TABLE head (commas in parentheses stay).
    private static IEnumerable<string> Clauses(string statement)
    {
        var head = Regex.Match(statement, @"^ALTER\s+TABLE\s+(ONLY\s+)?(IF\s+EXISTS\s+)?\S+\s+", RegexOptions.IgnoreCase);
        if (!head.Success)
        {
            yield return statement;
            yield break;
        }

        var depth = 0;
        var from = head.Length;
        for (var i = head.Length; i <= statement.Length; i++)
        {
            if (i < statement.Length)
            {
                depth += statement[i] switch { '(' => 1, ')' => -1, _ => 0 };
                if (statement[i] != ',' || depth != 0)
                {
                    continue;
                }
            }

            yield return head.Value + statement[from..i].Trim();
            from = i + 1;
        }
    }

    private static string Blank(string sql)
    {
        var sb = new StringBuilder(sql);
        var i = 0;
        while (i < sql.Length)
        {
            if (sql[i] == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                i = Fill(sb, i, sql.IndexOf('\n', i) is var e and >= 0 ? e : sql.Length);
            }
            else if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                i = Fill(sb, i, sql.IndexOf("*/", i + 2, StringComparison.Ordinal) is var e and >= 0 ? e + 2 : sql.Length);
            }
            else if (sql[i] == '\'')
            {
                var e = i + 1;
                while (e < sql.Length && !(sql[e] == '\'' && (e + 1 >= sql.Length || sql[e + 1] != '\'')))
                {
                    e += sql[e] == '\'' ? 2 : 1;
                }

                i = Fill(sb, i + 1, Math.Min(e, sql.Length)) + 1;
            }
            else if (sql[i] == '$' && DollarTag().Match(sql, i) is { Success: true } tag)
            {
                var end = sql.IndexOf(tag.Value, i + tag.Length, StringComparison.Ordinal);
                i = Fill(sb, i + tag.Length, end >= 0 ? end : sql.Length) + tag.Length;
            }
            else
            {
                i++;
            }
        }

        return sb.ToString();
    }

    // Blanks [from, to) except line breaks (lines keep their numbers); returns to.
    private static int Fill(StringBuilder sb, int from, int to)
    {
        for (var k = from; k < to; k++)
        {
            if (sb[k] != '\n')
            {
                sb[k] = ' ';
            }
        }

        return to;
    }

    private static Regex Rx(string pattern) => new(pattern, RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant);

    [GeneratedRegex(@"\G\$[A-Za-z_]*\$")]
    private static partial Regex DollarTag();
}
