using System.Globalization;
using System.Text;

namespace Fragility.Defences;

/// <summary>
/// Writes everything a defence run shows from its typed rows: the table (CSV and Markdown), the robustness curve,
/// every image's values, notes.txt, the figures and the report section's description. Nothing here measures.
/// </summary>
internal static class DefenceOutputs
{
    /// <summary>Writes every output file of <paramref name="results"/> into <paramref name="directory"/>.</summary>
    /// <param name="directory">The run's folder.</param>
    /// <param name="plan">What was measured (for the notes).</param>
    /// <param name="results">The finished rows, in table order.</param>
    /// <param name="notes">Rows skipped and values not measured, and why.</param>
    public static void Write(string directory, DefencePlan plan, IReadOnlyList<DefenceRowResult> results, IReadOnlyList<string> notes)
    {
        var rows = results.Select(r => r.Row).ToList();
        DefenceTable.WriteCsv(rows, Path.Combine(directory, DefenceEvaluation.TableCsv));
        DefenceTable.WriteMarkdown(rows, Path.Combine(directory, DefenceEvaluation.TableMarkdown));
        DefenceTable.WriteCurve(rows, Path.Combine(directory, DefenceEvaluation.CurveCsv));
        DefenceTable.WritePerImage(results.SelectMany(r => r.Images.Select(i => (r.Row, i))), Path.Combine(directory, DefenceEvaluation.PerImageCsv));
        File.WriteAllText(Path.Combine(directory, DefenceEvaluation.NotesFile), Notes(plan, notes));
        if (rows.Count > 0)
        {
            DefenceFigures.SaveFrontier(rows, Path.Combine(directory, DefenceEvaluation.FrontierFigure));
            DefenceFigures.SaveFaithfulness(rows, Path.Combine(directory, DefenceEvaluation.FaithfulnessFigure));
            DefenceFigures.SaveCurve(rows, Path.Combine(directory, DefenceEvaluation.CurveFigure));
        }
        DefencesSection.WriteDescription(directory);
    }

    /// <summary>notes.txt: how the table was made, in words, then <paramref name="notes"/>.</summary>
    public static string Notes(DefencePlan plan, IReadOnlyList<string> notes)
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        var settings = plan.Settings;
        s.AppendLine(string.Create(inv, $"Images: the first {plan.Indices.Count} test images of {plan.Test.Name} that every model classifies correctly; maps explain that label."));
        s.AppendLine(string.Create(inv, $"Attacks (Ghorbani et al. 2019, Algorithm 1): {settings.Iterations} iterations of {settings.Step:R}/255, k = {plan.K}; top-k attack at epsilon {string.Join(", ", settings.CurveEpsilons.Select(e => e.ToString("R", inv)))}/255 (criterion: top-k intersection); mass-center attack at {settings.TableEpsilon:R}/255 (criterion: centre shift); one random-sign draw at {settings.TableEpsilon:R}/255."));
        s.AppendLine(string.Create(inv, $"Gradient-based maps are attacked through the softplus twin with beta {settings.Beta:R}; labels and criteria come from the ReLU network."));
        s.AppendLine("Robustness columns use the ADAPTIVE attack through each defence (column 'attack'); 'transfer' columns apply the undefended map's attack to the defended map.");
        s.AppendLine(string.Create(inv, $"Faithfulness: deletion (to '{settings.DeletionBaseline}') and insertion (from '{settings.InsertionBaseline}') AUC over {settings.FaithfulnessSteps} steps (Petsiuk et al. 2018); randomisation: Spearman of the maps of the trained model and of a fully randomised copy (Adebayo et al. 2018)."));
        s.AppendLine("Cost: ms per map (one batch's maps timed after a warm-up, divided by the batch size) measured during the run on a shared machine; training s/epoch is the wall clock recorded in each model's metadata, and the extra s/epoch is measured here: median time of a training step with and without the regulariser (alternating, same batch), times the steps per epoch.");
        foreach (string note in notes) s.AppendLine(note);
        return s.ToString();
    }
}
