using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Tokens;

namespace Ms5.Reports.Tests.Support;

/// <summary>
/// A rendered PDF read back with PdfPig: the text of each page as lines (letters on one baseline, left to right,
/// separate drawings joined by a space), and the fonts it carries.
/// </summary>
internal sealed class PdfText : IDisposable
{
    private readonly PdfDocument _pdf;
    private readonly Dictionary<int, IReadOnlyList<string>> _lines = [];

    private PdfText(byte[] bytes) => _pdf = PdfDocument.Open(bytes);

    public static PdfText Read(byte[] bytes) => new(bytes);

    public int Pages => _pdf.NumberOfPages;

    public IEnumerable<int> PageNumbers => Enumerable.Range(1, Pages);

    public Page Page(int number) => _pdf.GetPage(number);

    public string Text(int page) => string.Join('\n', Lines(page));

    public string AllText => string.Join('\n', PageNumbers.Select(Text));

    public IReadOnlyList<string> Lines(int page)
    {
        if (_lines.TryGetValue(page, out var cached))
        {
            return cached;
        }

        var lines = new List<string>();
        var letters = _pdf.GetPage(page).Letters.OrderByDescending(l => l.StartBaseLine.Y).ToList();
        var i = 0;
        while (i < letters.Count)
        {
            var y = letters[i].StartBaseLine.Y;
            var row = new List<Letter>();
            for (; i < letters.Count && Math.Abs(letters[i].StartBaseLine.Y - y) < 1.0; i++)
            {
                row.Add(letters[i]);
            }

            lines.Add(Join(row.OrderBy(l => l.StartBaseLine.X).ToList()));
        }

        _lines[page] = lines;
        return lines;
    }

    /// <summary>Every font the PDF declares: its base name and whether a font file (FontFile, FontFile2 or FontFile3) is embedded.</summary>
    public IReadOnlyList<(string Name, bool Embedded)> Fonts()
    {
        var fonts = new List<(string, bool)>();
        foreach (var reference in _pdf.Structure.CrossReferenceTable.ObjectOffsets.Keys)
        {
            if (_pdf.Structure.GetObject(reference).Data is DictionaryToken d
                && d.TryGet(NameToken.Type, out var type) && type is NameToken { Data: "FontDescriptor" })
            {
                var name = d.TryGet(NameToken.FontName, out var n) && n is NameToken fontName ? fontName.Data : "?";
                var embedded = d.ContainsKey(NameToken.FontFile) || d.ContainsKey(NameToken.FontFile2) || d.ContainsKey(NameToken.FontFile3);
                fonts.Add((name, embedded));
            }
        }

        return fonts;
    }

    public void Dispose() => _pdf.Dispose();

    private static string Join(IReadOnlyList<Letter> row)
    {
        var text = new StringBuilder();
        for (var k = 0; k < row.Count; k++)
        {
            if (k > 0 && row[k].StartBaseLine.X - row[k - 1].EndBaseLine.X > 1.5 && text[^1] != ' ' && row[k].Value != " ")
            {
                text.Append(' ');
            }

            text.Append(row[k].Value);
        }

        return text.ToString().Trim();
    }
}
