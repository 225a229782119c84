using Fragility.Models.Import.Onnx;

namespace Fragility.Models.Import;

/// <summary>Reading an ONNX node's attributes with ONNX's defaults.</summary>
internal static class OnnxAttributes
{
    /// <summary>The attribute called <paramref name="name"/>, or null.</summary>
    public static AttributeProto? Attr(NodeProto n, string name) => n.Attribute.FirstOrDefault(a => a.Name == name);

    /// <summary>An int attribute or <paramref name="fallback"/>.</summary>
    public static long Int(NodeProto n, string name, long fallback) => Attr(n, name) is { } a ? a.I : fallback;

    /// <summary>A float attribute or <paramref name="fallback"/>.</summary>
    public static float Float(NodeProto n, string name, float fallback) => Attr(n, name) is { } a ? a.F : fallback;

    /// <summary>An ints attribute, or null when absent.</summary>
    public static long[]? Ints(NodeProto n, string name) => Attr(n, name)?.Ints.ToArray();

    /// <summary>A string attribute or <paramref name="fallback"/>.</summary>
    public static string Str(NodeProto n, string name, string fallback) => Attr(n, name) is { } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>Whether the node belongs to the default ONNX domain.</summary>
    public static bool DefaultDomain(NodeProto n) => n.Domain is "" or "ai.onnx";
}
