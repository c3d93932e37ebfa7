using System.Text.Json.Serialization;

namespace Ms5.Analytics.Contracts;

/// <summary>
/// Source-generated (de)serialization of the derived topics' messages: no reflection, and one place that fixes
/// their JSON shape. Reading is strict where the schemas are: a missing required field or a null where the
/// type is not nullable is a <see cref="System.Text.Json.JsonException"/>; unknown fields are ignored.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(OeeWindowMessage))]
[JsonSerializable(typeof(AndonMessage))]
[JsonSerializable(typeof(AnomalyMessage))]
[JsonSerializable(typeof(OrderMessage))]
[JsonSerializable(typeof(OrderSnapshot))]
public sealed partial class ContractJson : JsonSerializerContext;
