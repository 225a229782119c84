namespace Fragility.Tests.ScaleOut;

/// <summary>Finds files of the repository (launch files, README) from the test's output folder.</summary>
public static class RepositoryFiles
{
    /// <summary>The repository root: the nearest parent folder of the test assembly that holds Fragility.sln.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Fragility.sln"))) return dir.FullName;
            throw new InvalidOperationException($"no Fragility.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>Full path of <paramref name="relative"/> (forward slashes) under the repository root.</summary>
    public static string Path(string relative) => System.IO.Path.Combine(Root, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));
}
