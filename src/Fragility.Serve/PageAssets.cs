namespace Fragility.Serve;

/// <summary>The page (HTML, CSS, JavaScript), embedded in the assembly: nothing to find on disk, nothing fetched
/// from elsewhere by the browser.</summary>
internal static class PageAssets
{
    /// <summary>The files served, with their media types.</summary>
    public static IReadOnlyDictionary<string, string> Files { get; } = new Dictionary<string, string>
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["app.js"] = "text/javascript; charset=utf-8",
        ["app.css"] = "text/css; charset=utf-8",
    };

    /// <summary>The bytes of page file <paramref name="name"/>.</summary>
    public static byte[] Read(string name)
    {
        using var stream = typeof(PageAssets).Assembly.GetManifestResourceStream("page/" + name)
            ?? throw new InvalidOperationException($"page file {name} is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
