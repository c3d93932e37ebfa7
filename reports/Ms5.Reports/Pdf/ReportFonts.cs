using System.Collections.Frozen;
using System.Reflection;
using PdfSharp.Fonts;
using SkiaSharp;

namespace Ms5.Reports.Pdf;

/// <summary>
/// The DejaVu faces shipped inside this assembly, served to PDFsharp (which finds no fonts on its own on Linux) and
/// to ScottPlot (which silently draws no text when SkiaSharp finds no font). Registered once per process, before the
/// first render, so no system font is ever asked for.
/// </summary>
internal static class ReportFonts
{
    /// <summary>The family every text in a report uses; <see cref="Condensed"/> for dense tables and chart labels.</summary>
    public const string Family = "DejaVu Sans";

    public const string Condensed = "DejaVu Sans Condensed";

    private static readonly FrozenDictionary<string, byte[]> Faces = new[]
    {
        "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansCondensed", "DejaVuSansCondensed-Bold",
    }.ToFrozenDictionary(face => face, Load, StringComparer.Ordinal);

    private static readonly Lock Gate = new();
    private static bool _registered;

    /// <summary>The face file for a family and weight; families other than DejaVu fall back to DejaVu Sans.</summary>
    public static string FaceOf(string family, bool bold)
    {
        var condensed = family.Equals(Condensed, StringComparison.OrdinalIgnoreCase);
        return (condensed ? "DejaVuSansCondensed" : "DejaVuSans") + (bold ? "-Bold" : "");
    }

    public static byte[] Bytes(string face) => Faces[face];

    /// <summary>Installs the resolvers into PDFsharp's and ScottPlot's process-wide settings, once, whichever thread comes first.</summary>
    public static void EnsureRegistered()
    {
        if (Volatile.Read(ref _registered))
        {
            return;
        }

        lock (Gate)
        {
            if (_registered)
            {
                return;
            }

            // PDFsharp allows its resolver to be set only once per process; another component may have set ours.
            if (GlobalFontSettings.FontResolver is not PdfFontResolver)
            {
                GlobalFontSettings.FontResolver = new PdfFontResolver();
            }

            // First in the list, so ScottPlot never reaches its system font resolver for these families.
            ScottPlot.Fonts.FontResolvers.Insert(0, new ChartFontResolver());
            ScottPlot.Fonts.Default = Family;
            Volatile.Write(ref _registered, true);
        }
    }

    private static byte[] Load(string face)
    {
        var name = $"Ms5.Reports.Fonts.{face}.ttf";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Font resource {name} is missing from {typeof(ReportFonts).Assembly.GetName().Name}.");
        using var copy = new MemoryStream((int)stream.Length);
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private sealed class PdfFontResolver : IFontResolver
    {
        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) =>
            // No italic face is shipped: PDFsharp slants the upright one when italic is asked for.
            new(FaceOf(familyName, bold), false, italic);

        public byte[] GetFont(string faceName) => Bytes(faceName);
    }

    private sealed class ChartFontResolver : ScottPlot.IFontResolver
    {
        // One typeface per face for the process: SkiaSharp typefaces are immutable and safe to share across threads.
        private static readonly FrozenDictionary<string, SKTypeface> Typefaces = Faces.ToFrozenDictionary(
            f => f.Key, f => SKTypeface.FromData(SKData.CreateCopy(f.Value)), StringComparer.Ordinal);

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            IsDejaVu(fontName) ? Typefaces[FaceOf(fontName, bold)] : null;

        public SKTypeface? CreateTypeface(string fontName, ScottPlot.FontWeight weight, ScottPlot.FontSlant slant, ScottPlot.FontSpacing width) =>
            CreateTypeface(fontName, weight >= ScottPlot.FontWeight.SemiBold, slant != ScottPlot.FontSlant.Upright);

        private static bool IsDejaVu(string fontName) =>
            fontName.Equals(Family, StringComparison.OrdinalIgnoreCase) || fontName.Equals(Condensed, StringComparison.OrdinalIgnoreCase);
    }
}
