namespace Fragility.Serve;

/// <summary>PNG bytes as a data URL, for pictures sent inside JSON and server-sent events.</summary>
internal static class Png
{
    public static string DataUrl(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);
}
