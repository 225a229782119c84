using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Reporting;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility report DIR</c>: one self-contained HTML file from a sweep's output folder.</summary>
public sealed class ReportCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 50;

    /// <inheritdoc />
    public Command Build()
    {
        var dir = new Argument<string>("DIR") { Description = "A sweep's output folder (run.json, results.jsonl, arrays/; made by 'fragility sweep' or 'fragility demo')." };
        var output = new Option<string?>("--out", "-o") { Description = "The HTML file to write. Default: DIR/report.html." };
        var sections = new Option<string[]>("--section")
        {
            Description = "Extra folders to add as report sections (outputs of 'fragility geometry', 'influence-attack', 'defend'); repeat the option for several.",
            AllowMultipleArgumentsPerToken = true,
        };
        var gallery = new Option<int>("--gallery") { Description = "How many inputs the gallery shows (the first ones).", DefaultValueFactory = _ => 32 };
        var cmd = new Command("report", "Turn a sweep's output folder into one self-contained HTML file (images embedded, no network): summary table, the paper's figure, a gallery of clean and perturbed inputs with their maps, and the run's settings.")
        {
            dir, output, sections, gallery,
        };
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            string path = Write(console, pr.GetValue(dir)!, pr.GetValue(output), pr.GetValue(sections) ?? [], pr.GetValue(gallery));
            console.Line($"Report: {path}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>Writes the report of <paramref name="sweepDir"/>; returns its full path.</summary>
    public static string Write(CliConsole console, string sweepDir, string? output, IEnumerable<string> sectionFolders, int galleryLimit = 32)
    {
        if (!Directory.Exists(sweepDir))
            throw new FragilityException($"Sweep folder '{sweepDir}' does not exist. Run 'fragility sweep --out {sweepDir}' (or 'fragility demo') first.");
        if (galleryLimit < 0) throw new FragilityException($"--gallery must be 0 or more, got {galleryLimit}.");
        bool audit = File.Exists(Path.Combine(sweepDir, Fragility.Audit.ScoreCardFiles.Json));
        var report = new HtmlReport { GalleryLimit = galleryLimit, Title = audit ? Fragility.Audit.ScoreCardFiles.AuditTitle : null };
        Fragility.Audit.ScoreCardFiles.AddTo(report, sweepDir);
        foreach (var folder in sectionFolders)
        {
            if (!Directory.Exists(folder)) throw new FragilityException($"Section folder '{folder}' does not exist; check the path given to --section.");
            report.AddSectionFolder(folder);
        }
        string path = Path.GetFullPath(output ?? Path.Combine(sweepDir, "report.html"));
        var warnings = report.Write(sweepDir, path);
        foreach (var w in warnings) console.Fail($"warning: {w}");
        return path;
    }
}
