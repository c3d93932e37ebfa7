using System.IO.Compression;
using Microsoft.ML;

namespace Ms5.Ml;

/// <summary>
/// One byte array for an ML.NET model and what it needs besides (thresholds, standardisation, feature names): a zip
/// with <c>meta.json</c> and <c>model.zip</c> (ML.NET's own format), stored in <c>downtime_models.model</c> (bytea).
/// </summary>
internal static class ModelBundle
{
    private const string MetaEntry = "meta.json";
    private const string ModelEntry = "model.zip";

    public static byte[] Pack(MLContext ml, ITransformer model, DataViewSchema inputSchema, string metaJson)
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var meta = new StreamWriter(zip.CreateEntry(MetaEntry, CompressionLevel.Optimal).Open()))
            {
                meta.Write(metaJson);
            }

            // ML.NET's model file is itself a zip: stored, not compressed again.
            using var entry = zip.CreateEntry(ModelEntry, CompressionLevel.NoCompression).Open();
            ml.Model.Save(model, inputSchema, entry);
        }

        return output.ToArray();
    }

    public static (ITransformer Model, string MetaJson) Unpack(MLContext ml, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        var metaEntry = zip.GetEntry(MetaEntry) ?? throw new InvalidDataException($"model bundle has no {MetaEntry}");
        var modelEntry = zip.GetEntry(ModelEntry) ?? throw new InvalidDataException($"model bundle has no {ModelEntry}");
        string metaJson;
        using (var reader = new StreamReader(metaEntry.Open()))
        {
            metaJson = reader.ReadToEnd();
        }

        // ML.NET reads its zip with seeks: copy the entry into memory first.
        using var model = new MemoryStream();
        using (var entry = modelEntry.Open())
        {
            entry.CopyTo(model);
        }

        model.Position = 0;
        return (ml.Model.Load(model, out _), metaJson);
    }
}
