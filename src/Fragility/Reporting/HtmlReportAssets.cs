namespace Fragility.Reporting;

/// <summary>The report's style sheet and script, kept as files (Reporting/Assets/report.css and report.js) and embedded
/// in the assembly, so they are edited as CSS and JavaScript; no data from files ever enters them.</summary>
internal static class HtmlReportAssets
{
    /// <summary>The style sheet, inlined into every report.</summary>
    public static string Css { get; } = Read("Fragility.Reporting.Assets.report.css");

    /// <summary>The script (filters and the epsilon control of the gallery), inlined into every report.</summary>
    public static string Script { get; } = Read("Fragility.Reporting.Assets.report.js");

    private static string Read(string name)
    {
        using var stream = typeof(HtmlReportAssets).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the report asset {name} is not embedded in {typeof(HtmlReportAssets).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().TrimEnd();
    }
}
