namespace Fragility.Models.Import;

/// <summary>An imported model and what the import did.</summary>
/// <param name="Model">The classifier (weights loaded, metadata set); the caller disposes it.</param>
/// <param name="Format">The source format: "pytorch", "safetensors" or "onnx".</param>
/// <param name="Preset">The preprocessing preset used.</param>
/// <param name="Notes">Remarks for the user (dropped Softmax, layer-wise methods unavailable...).</param>
public sealed record ImportResult(Classifier Model, string Format, ImportPreset Preset, IReadOnlyList<string> Notes);
