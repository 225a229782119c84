namespace Fragility.IO;

/// <summary>
/// An exclusive lock on a run folder for the whole run: a hidden file opened with no sharing and deleted on close, so a
/// second run into the same folder, which would interleave lines or delete the first one's files, is refused at once;
/// a killed run's lock goes with its process (the operating system closes the file).
/// </summary>
public static class FolderLock
{
    /// <summary>Takes the lock named <paramref name="name"/> on <paramref name="directory"/> (created if missing).</summary>
    /// <param name="directory">The run folder.</param>
    /// <param name="name">The lock's name: runs that may share a folder (shards) take different names.</param>
    /// <param name="what">What holds the folder, for the refusal ("sweep", "defence run"...).</param>
    /// <exception cref="FragilityException">Another run holds the lock.</exception>
    public static IDisposable Take(string directory, string name, string what)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, $".{name}.lock");
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (IOException e)
        {
            throw new FragilityException($"'{directory}' is in use by another {what}: wait for it to finish or stop it, or use another --out.", e);
        }
    }
}
