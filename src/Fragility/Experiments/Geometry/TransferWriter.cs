using static Fragility.Experiments.Geometry.GeometryFiles;

namespace Fragility.Experiments.Geometry;

/// <summary>Writes a <see cref="TransferResult"/> (through <see cref="GeometryFiles.Write"/>): <c>transfer.csv</c>,
/// <c>per-image/transfer.csv</c>, <c>transfer.png</c> and the section with its summary in words.</summary>
public sealed class TransferWriter : IGeometryStudyWriter<TransferResult>
{
    /// <inheritdoc />
    public string Title => "Geometry: transfer of attacks on explanations";

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Captions { get; } = new Dictionary<string, string>
    {
        ["transfer.png"] = "Mean top-k intersection of each model's maps under the transferred perturbations and under random noise of the same ε (lower: the map moved more).",
        ["transfer.csv"] = "Transfer table: top-k intersection, Spearman correlation and label kept on each model.",
    };

    /// <inheritdoc />
    public string Description(TransferResult result, ExperimentSummary summary) =>
        $"Source {result.SourceName}: {result.AttackDisplayName} attack on the {result.MethodName} map, ε = {Num(result.Settings.Epsilon)}/255, {result.Settings.Iterations} iterations, β = {Num(result.Settings.Beta)}, k = {result.K}, on {result.Images} test images it classifies correctly. " +
        "Each perturbation is applied to every model; its map (for its own label at the clean image) is compared before and after, against random sign noise of the same ε. " + string.Join(" ", summary.Headlines);

    /// <summary>Writes <c>transfer.csv</c> (one row per model) and <c>per-image/transfer.csv</c> (per model and image).</summary>
    public void WriteTables(TransferResult result, string outDir)
    {
        WriteCsv(Path.Combine(outDir, "transfer.csv"),
            ["model", "relation", "trained_on", "images", "transfer_topk", "random_topk", "transfer_spearman", "random_spearman", "transfer_label_kept", "random_label_kept"],
            result.Rows.Select(r => new object?[] { r.Model, r.Relation, r.Dataset, r.Images, r.TransferTopK, r.RandomTopK, r.TransferSpearman, r.RandomSpearman, r.TransferLabelKept, r.RandomLabelKept }));
        WriteCsv(Path.Combine(outDir, DetailFolder, "transfer.csv"),
            ["model", "image", "transfer_topk", "random_topk", "transfer_spearman", "random_spearman", "transfer_label_kept", "random_label_kept", "source_attack_succeeded"],
            result.Details.Select(d => new object?[] { d.Model, d.Image, d.TransferTopK, d.RandomTopK, d.TransferSpearman, d.RandomSpearman, d.TransferLabelKept, d.RandomLabelKept, d.SourceAttackSucceeded }));
    }

    /// <summary>Writes <c>transfer.png</c>: per model, bars of the mean top-k intersection under the transferred
    /// perturbations and under random noise.</summary>
    public void WriteFigures(TransferResult result, string outDir)
    {
        var rows = result.Rows;
        var plot = GeometryPlots.New($"Transfer of the {result.AttackDisplayName} attack from {Path.GetFileNameWithoutExtension(result.SourceName)}", "", "mean top-k intersection on the model");
        var positions = Enumerable.Range(0, rows.Count).Select(i => (double)i).ToArray();
        var transferBars = plot.Add.Bars(positions.Select(x => x - 0.2).ToArray(), rows.Select(r => r.TransferTopK).ToArray());
        var randomBars = plot.Add.Bars(positions.Select(x => x + 0.2).ToArray(), rows.Select(r => r.RandomTopK).ToArray());
        foreach (var bar in transferBars.Bars) { bar.Size = 0.38; bar.FillColor = GeometryPlots.Colour(1); bar.LineWidth = 0; }
        foreach (var bar in randomBars.Bars) { bar.Size = 0.38; bar.FillColor = GeometryPlots.Colour(0); bar.LineWidth = 0; }
        transferBars.LegendText = $"perturbation from the {result.AttackDisplayName} attack on the source";
        randomBars.LegendText = "random sign noise, same ε";
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, rows.Select(r => Path.GetFileNameWithoutExtension(r.Model) + "\n" + r.Relation).ToArray());
        plot.Axes.SetLimitsY(0, 1.15);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        GeometryPlots.SaveRow(Path.Combine(outDir, "transfer.png"), [plot], Math.Max(520, 170 * rows.Count), 420);
    }

    /// <summary>One headline per model; the numbers transfer_topk:MODEL and random_topk:MODEL.</summary>
    public ExperimentSummary Summarise(TransferResult result, string outDir)
    {
        var lines = result.Rows.Select(r => $"{r.Model} ({r.Relation}, trained on {r.Dataset}): top-k {Num(r.TransferTopK, "F3")} under the transferred perturbation vs {Num(r.RandomTopK, "F3")} under random noise; Spearman {Num(r.TransferSpearman, "F3")} vs {Num(r.RandomSpearman, "F3")}; label kept {Num(100 * r.TransferLabelKept, "F0")}% vs {Num(100 * r.RandomLabelKept, "F0")}%.").ToList();
        var numbers = new Dictionary<string, double>();
        foreach (var r in result.Rows) { numbers[$"transfer_topk:{r.Model}"] = r.TransferTopK; numbers[$"random_topk:{r.Model}"] = r.RandomTopK; }
        return new ExperimentSummary(outDir, lines, numbers);
    }
}
