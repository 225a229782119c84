using System.Text.Json;

namespace Fragility.IO;

/// <summary>JSON options for reading files into typed records: a missing constructor field or a null where the record
/// says non-null is a <see cref="JsonException"/>, so readers need no null checks of their own.</summary>
internal static class StrictJson
{
    /// <summary>The options.</summary>
    public static JsonSerializerOptions Options { get; } = new() { RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true };
}
