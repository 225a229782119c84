namespace Fragility.Defences;

/// <summary>One model of a defence run's manifest.</summary>
/// <param name="Name">Its row name (the file name without extension).</param>
/// <param name="Path">Its full path.</param>
/// <param name="Sha256">SHA-256 of the file.</param>
public sealed record DefenceManifestModel(string Name, string Path, string Sha256);
