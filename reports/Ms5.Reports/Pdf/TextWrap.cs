using PdfSharp.Drawing;

namespace Ms5.Reports.Pdf;

/// <summary>Fitting text into a width: word-wrapped lines, or one line cut with an ellipsis.</summary>
internal static class TextWrap
{
    public static IReadOnlyList<string> Lines(XGraphics g, string text, XFont font, double width)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && g.MeasureString(candidate, font).Width > width)
            {
                lines.Add(line);
                line = Fit(g, word, font, width);
            }
            else
            {
                line = line.Length == 0 ? Fit(g, candidate, font, width) : candidate;
            }
        }

        if (line.Length > 0 || lines.Count == 0)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>The text as it is if it fits, else its longest start that fits followed by "…".</summary>
    public static string Fit(XGraphics g, string text, XFont font, double width)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(text);
        if (g.MeasureString(text, font).Width <= width)
        {
            return text;
        }

        int lo = 0, hi = text.Length;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (g.MeasureString(string.Concat(text.AsSpan(0, mid), "…"), font).Width <= width)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return string.Concat(text.AsSpan(0, lo).TrimEnd(), "…");
    }
}
