using System.Security.Cryptography;

namespace Fragility.IO;

/// <summary>The one fingerprint of a file that run folders record (model files, data): SHA-256 of its bytes.</summary>
public static class FileHash
{
    /// <summary>Lower-case hexadecimal SHA-256 of the file at <paramref name="path"/>.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
