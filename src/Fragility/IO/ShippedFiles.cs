namespace Fragility.IO;

/// <summary>Finds files shipped in the repository's models/ folder: next to the program (copied by the build), or in
/// a models/ folder in the working directory or above it (for <c>dotnet run</c> from a clone).</summary>
public static class ShippedFiles
{
    /// <summary>The full path of models/<paramref name="relative"/>, or null when it is nowhere to be found.</summary>
    public static string? Find(string relative)
    {
        string local = Path.Combine(AppContext.BaseDirectory, "models", relative);
        if (File.Exists(local) || Directory.Exists(local)) return local;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models", relative);
            if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
        }
        return null;
    }
}
