using System.Globalization;
using System.Text.Json.Nodes;
using Fragility.IO;
using Fragility.Reporting;

namespace Fragility.Defences;

/// <summary>
/// The "Defences" section of the HTML report, made from the folder <c>fragility defend</c> wrote: what was measured
/// and with which attacks, the defence table (main columns), the frontier, faithfulness and epsilon figures, and the
/// notes. Add it with <c>report.Sections.Add(new DefencesSection(dir))</c>; the folder also works as a plain
/// <see cref="FolderSection"/> through its section.json.
/// </summary>
public sealed class DefencesSection : IReportSection
{
    private readonly string _folder;

    /// <summary>Creates the section from a <c>fragility defend</c> output folder.</summary>
    /// <exception cref="FragilityException">The folder has no defence table.</exception>
    public DefencesSection(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (!File.Exists(Path.Combine(folder, DefenceEvaluation.TableCsv)))
            throw new FragilityException($"'{folder}' has no {DefenceEvaluation.TableCsv}. Run 'fragility defend --out {folder}' first.");
        _folder = folder;
    }

    /// <inheritdoc />
    public string Title => "Defences";

    /// <inheritdoc />
    public void WriteBody(HtmlBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        html.Paragraph("Which explanation method and which training regime give maps that an imperceptible perturbation cannot move, and at what cost in accuracy and faithfulness. " +
            "Each row is a model (trained with the regulariser shown) x an attribution method x an explanation-side defence. Robustness columns come from ADAPTIVE attacks that go through the defence; " +
            "'transfer' columns apply the undefended map's attack to the defended map. Higher top-k intersection and Spearman, and a smaller centre shift, mean a more robust map; " +
            "lower deletion AUC, higher insertion AUC and a lower randomisation correlation mean a more faithful one.");
        var (header, rows) = CsvTable.Read(Path.Combine(_folder, DefenceEvaluation.TableCsv));
        if (rows.Count > 0)
        {
            int Col(string name) => header.ToList().IndexOf(name);
            string[] shown =
            [
                "model", "regularizer", "lambda", "method", "defence", "test_accuracy", "topk_after_topk", "spearman_after_topk", "center_shift_after_mass_center",
                "label_kept", "topk_after_random", "topk_after_transfer_topk", "deletion_auc", "insertion_auc", "randomisation_spearman", "extra_ms_per_map", "extra_train_seconds_per_epoch",
            ];
            var columns = shown.Select(Col).Where(i => i >= 0).ToArray();
            html.Heading("Defence table", 4);
            html.Table(columns.Select(i => header[i]).ToArray(),
                rows.Select(r => (IReadOnlyList<string>)columns.Select(i => i < r.Count ? Round(r[i]) : "").ToArray()));
            int attackCol = Col("attack"), defenceCol = Col("defence");
            if (attackCol >= 0 && defenceCol >= 0)
            {
                html.Heading("Attack used for each defence", 4);
                html.Table(["defence", "adaptive attack"], rows.Where(r => r.Count > attackCol)
                    .GroupBy(r => r[defenceCol]).Select(g => (IReadOnlyList<string>)new[] { g.Key, g.First()[attackCol] }));
            }
        }
        foreach (var (file, caption) in Captions)
        {
            string path = Path.Combine(_folder, file);
            if (!File.Exists(path)) continue;
            try { html.Image(File.ReadAllBytes(path), caption, caption); }
            catch (ArgumentException) { html.Paragraph($"({file} is not a valid PNG and was left out.)"); }
        }
        string notes = Path.Combine(_folder, DefenceEvaluation.NotesFile);
        if (File.Exists(notes))
        {
            html.Heading("How the table was made", 4);
            html.Preformatted(File.ReadAllText(notes));
        }
        html.Paragraph($"All values: {DefenceEvaluation.TableCsv} (every column), {DefenceEvaluation.CurveCsv} and {DefenceEvaluation.PerImageCsv} (every image) in {Path.GetFileName(Path.GetFullPath(_folder))}.");
    }

    private static readonly (string File, string Caption)[] Captions =
    [
        (DefenceEvaluation.FrontierFigure, "Test accuracy against robustness (top-k intersection after the adaptive top-k attack); the ringed rows (joined by a dashed line) are those no other row beats on both."),
        (DefenceEvaluation.FaithfulnessFigure, "Faithfulness (insertion minus deletion AUC) against robustness."),
        (DefenceEvaluation.CurveFigure, "Top-k intersection after the adaptive top-k attack against epsilon (0-255 scale)."),
    ];

    /// <summary>Writes section.json into <paramref name="directory"/> so the folder also reads as a <see cref="FolderSection"/>.</summary>
    public static void WriteDescription(string directory)
    {
        var captions = new JsonObject();
        foreach (var (file, caption) in Captions) captions[file] = caption;
        var description = new JsonObject
        {
            ["title"] = "Defences",
            ["description"] = "Defence table of 'fragility defend': robustness after adaptive attacks, accuracy, faithfulness and cost per model x method x defence.",
            ["captions"] = captions,
        };
        File.WriteAllText(Path.Combine(directory, FolderSection.DescriptionFile), description.ToJsonString());
    }

    private static string Round(string cell) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && cell.Contains('.')
            ? v.ToString("0.###", CultureInfo.InvariantCulture) : cell;
}
