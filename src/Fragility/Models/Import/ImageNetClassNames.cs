namespace Fragility.Models.Import;

/// <summary>The 1000 ImageNet-1k (ILSVRC 2012) class names in label order, as torchvision's pretrained weights
/// number them (label 0 = "tench", 999 = "toilet tissue").</summary>
/// <remarks>The names are torchvision's (BSD-3-Clause), kept in ImageNetClassNames.txt beside this file, one a line,
/// written by tools/fixtures/make_imagenet_class_names.py and embedded in the assembly as a resource.</remarks>
public static class ImageNetClassNames
{
    // The LogicalName given to the text file in Fragility.csproj.
    private const string ResourceName = "Fragility.Models.Import.ImageNetClassNames.txt";
    private const int Count = 1000;

    /// <summary>The names, indexed by label.</summary>
    public static IReadOnlyList<string> All { get; } = Read();

    private static IReadOnlyList<string> Read()
    {
        using var stream = typeof(ImageNetClassNames).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The assembly has no resource {ResourceName}: the build left it out.");
        using var reader = new StreamReader(stream);
        // ReadLine takes \n and \r\n alike, so a checkout that rewrote line ends still reads the same names.
        var names = new List<string>(Count);
        while (reader.ReadLine() is { } line)
            if (line.Length > 0) names.Add(line);
        // A damaged resource is a build fault, not bad user input, so it is not a FragilityException.
        if (names.Count != Count)
            throw new InvalidOperationException($"Resource {ResourceName} holds {names.Count} names, not {Count}.");
        return names.AsReadOnly(); // read-only, as the shared list must be
    }
}
