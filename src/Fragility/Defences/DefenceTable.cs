using System.Globalization;
using System.Text;
using Fragility.IO;

namespace Fragility.Defences;

/// <summary>Writes the defence table (CSV through <see cref="CsvTable"/>, and Markdown), the robustness curve and the per-image values.</summary>
public static class DefenceTable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Column names of <see cref="WriteCsv"/>.</summary>
    public static IReadOnlyList<string> CsvColumns { get; } =
    [
        "model", "regularizer", "lambda", "method", "defence", "method_description", "attack", "images", "k", "epsilon", "test_accuracy",
        "topk_after_topk", "spearman_after_topk", "center_shift_after_topk", "topk_after_mass_center", "spearman_after_mass_center",
        "center_shift_after_mass_center", "label_kept", "topk_after_random", "topk_after_transfer_topk", "center_shift_after_transfer_mass_center",
        "deletion_auc", "insertion_auc", "randomisation_spearman", "ms_per_map", "extra_ms_per_map", "train_seconds_per_epoch", "extra_train_seconds_per_epoch",
    ];

    /// <summary>One line per row, every value (NaN written as empty).</summary>
    public static void WriteCsv(IReadOnlyList<DefenceRow> rows, string path) =>
        CsvTable.Write(path, CsvColumns, rows.Select(r => (IReadOnlyList<string>)
        [
            r.Model, r.Regulariser, r.Lambda, r.Method, r.Defence, r.MethodDescription, r.Attack, r.Images.ToString(Inv), r.K.ToString(Inv), N(r.Epsilon),
            N(r.Accuracy), N(r.TopKAfterTopK), N(r.SpearmanAfterTopK), N(r.ShiftAfterTopK), N(r.TopKAfterMassCenter), N(r.SpearmanAfterMassCenter),
            N(r.ShiftAfterMassCenter), N(r.LabelKept), N(r.TopKAfterRandom), N(r.TopKAfterTransferTopK), N(r.ShiftAfterTransferMassCenter),
            N(r.DeletionAuc), N(r.InsertionAuc), N(r.RandomisationSpearman), N(r.MillisecondsPerMap), N(r.ExtraMillisecondsPerMap),
            N(r.SecondsPerEpoch), N(r.ExtraSecondsPerEpoch),
        ]));

    /// <summary>The table for people: the main columns rounded, then the attack used for each defence.</summary>
    public static void WriteMarkdown(IReadOnlyList<DefenceRow> rows, string path) => Write(path, Markdown(rows));

    /// <summary>The Markdown text of <see cref="WriteMarkdown"/>.</summary>
    public static string Markdown(IReadOnlyList<DefenceRow> rows)
    {
        var s = new StringBuilder();
        if (rows.Count == 0) return "(no rows)\n";
        string eps = N(rows[0].Epsilon);
        s.AppendLine(string.Create(Inv, $"Attacks at epsilon {eps}/255, {rows[0].Images} images, k = {rows[0].K}; adaptive attacks (see below) unless marked transfer. ∩ = top-k intersection, ρ = Spearman, shift in pixels; acc = test accuracy; del/ins = deletion/insertion AUC; rand ρ = Spearman with the randomised model's map; extra train s/epoch measured by alternating training steps with and without the regulariser."));
        s.AppendLine();
        s.AppendLine("| model | training (λ) | method | defence | acc | ∩ top-k | ρ top-k | shift top-k | ∩ mass-c. | shift mass-c. | label kept | ∩ random | ∩ transfer top-k | shift transfer mass-c. | del ↓ | ins ↑ | rand ρ ↓ | ms/map (+extra) | extra train s/epoch |");
        s.AppendLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            string training = r.Regulariser == "none" ? "none" : $"{r.Regulariser} ({r.Lambda})";
            s.Append("| ").Append(Escape(r.Model)).Append(" | ").Append(Escape(training)).Append(" | ").Append(Escape(r.Method)).Append(" | ").Append(Escape(r.Defence))
             .Append(" | ").Append(P(r.Accuracy)).Append(" | ").Append(F(r.TopKAfterTopK)).Append(" | ").Append(F(r.SpearmanAfterTopK)).Append(" | ").Append(F(r.ShiftAfterTopK, "0.00"))
             .Append(" | ").Append(F(r.TopKAfterMassCenter)).Append(" | ").Append(F(r.ShiftAfterMassCenter, "0.00")).Append(" | ").Append(P(r.LabelKept))
             .Append(" | ").Append(F(r.TopKAfterRandom)).Append(" | ").Append(F(r.TopKAfterTransferTopK)).Append(" | ").Append(F(r.ShiftAfterTransferMassCenter, "0.00"))
             .Append(" | ").Append(F(r.DeletionAuc)).Append(" | ").Append(F(r.InsertionAuc)).Append(" | ").Append(F(r.RandomisationSpearman))
             .Append(" | ").Append(F(r.MillisecondsPerMap, "0.0")).Append(r.Defence == "none" ? "" : " (+" + F(r.ExtraMillisecondsPerMap, "0.0") + ")")
             .Append(" | ").Append(F(r.ExtraSecondsPerEpoch, "0.0"))
             .AppendLine(" |");
        }
        s.AppendLine();
        s.AppendLine("Attack behind each defence's robustness columns:");
        foreach (var g in rows.GroupBy(r => r.Defence)) s.AppendLine($"- {Escape(g.Key)}: {Escape(g.First().Attack)}");
        return s.ToString();
    }

    /// <summary>Top-k intersection after the top-k attack against epsilon: one line per row and epsilon.</summary>
    public static void WriteCurve(IReadOnlyList<DefenceRow> rows, string path) =>
        CsvTable.Write(path, ["model", "method", "defence", "epsilon", "topk_after_topk"],
            rows.SelectMany(r => r.TopKCurve.OrderBy(kv => kv.Key).Select(kv => (IReadOnlyList<string>)[r.Model, r.Method, r.Defence, N(kv.Key), N(kv.Value)])));

    /// <summary>Every image's values per row and attack.</summary>
    public static void WritePerImage(IEnumerable<(DefenceRow Row, ImageResult Result)> results, string path) =>
        CsvTable.Write(path,
            ["model", "method", "defence", "image", "attack", "epsilon", "topk", "spearman", "center_shift", "failed", "deletion_auc", "insertion_auc", "randomisation_spearman"],
            results.Select(x => (IReadOnlyList<string>)
            [
                x.Row.Model, x.Row.Method, x.Row.Defence, x.Result.Image.ToString(Inv), x.Result.Attack, N(x.Result.Epsilon), N(x.Result.TopK), N(x.Result.Spearman),
                N(x.Result.CenterShift), x.Result.Failed ? "true" : "false", N(x.Result.Deletion), N(x.Result.Insertion), N(x.Result.Randomisation),
            ]));

    private static void Write(string path, string text)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, text, new UTF8Encoding(false));
    }

    private static string N(double v) => double.IsFinite(v) ? v.ToString("R", Inv) : "";

    private static string F(double v, string format = "0.000") => double.IsFinite(v) ? v.ToString(format, Inv) : "—";

    private static string P(double v) => double.IsFinite(v) ? (100 * v).ToString("0.0", Inv) + "%" : "—";

    private static string Escape(string s) => s.Replace("|", "\\|");
}
