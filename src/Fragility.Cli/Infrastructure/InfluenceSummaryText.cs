using System.Globalization;
using Fragility.Influence;
using Spectre.Console;

namespace Fragility.Cli.Infrastructure;

/// <summary>What <c>influence</c> tells on the terminal: the head, the first explanations, the leave-one-out table.</summary>
internal static class InfluenceSummaryText
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The head: its kind, features, classes, regularisation, training and accuracies.</summary>
    public static void WriteHead(CliConsole console, InfluenceSetup setup)
    {
        var s = setup.Settings;
        console.Line($"Head: {(setup.Head.Outputs == 1 ? "logistic regression" : "softmax regression")} on phi = input of {setup.Features.LastLayerName} ({setup.Features.Dimension} features), " +
            $"classes {string.Join(" (0) vs ", setup.ClassNames)}{(setup.ClassNames.Count == 2 ? " (1)" : "")}, {setup.TrainingCount} training images, lambda {s.L2.ToString(Inv)}, " +
            $"Newton {setup.Training.Iterations} steps (|grad| {setup.Training.GradientNorm.ToString("G2", Inv)}), solver {setup.Influence.Solver.Name}.");
        console.Line($"Train accuracy {setup.TrainAccuracy.ToString("P2", Inv)}; test accuracy {setup.TestAccuracy.ToString("P2", Inv)} on {setup.TestImageCount} test images of these classes.");
        console.Line(string.Create(Inv, $"train_accuracy {setup.TrainAccuracy:F4} test_accuracy {setup.TestAccuracy:F4}"));
    }

    /// <summary>The most helpful and most harmful training points of the first five test points.</summary>
    public static void WriteExplanations(CliConsole console, InfluenceSetup setup, IReadOnlyList<InfluenceTestPoint> points, IReadOnlyList<InfluenceExplanation> explanations)
    {
        string Point(InfluenceExplanation e, int i) => $"#{setup.TrainIndices[i]} {setup.ClassNames[setup.TrainLabels[i]]} I={e.Influence[i].ToString("G3", Inv)}";
        foreach (var (point, e) in points.Zip(explanations).Take(5))
            console.Line($"{point.Id} ({setup.ClassNames[point.Label]}, p = {e.Probabilities[point.Label].ToString("F3", Inv)}): most helpful " +
                string.Join(", ", e.Helpful.Take(3).Select(i => Point(e, i))) + "; most harmful " + string.Join(", ", e.Harmful.Take(3).Select(i => Point(e, i))));
    }

    /// <summary>One row per lambda of the leave-one-out check, then Pearson's r per lambda as plain lines.</summary>
    public static void WriteLeaveOneOut(CliConsole console, IReadOnlyList<(double TrainAccuracy, LeaveOneOutResult Result)> rows, string csv)
    {
        var table = new Table().Title("Leave-one-out: actual vs predicted (-(1/n) I) test-loss change")
            .AddColumn("lambda").AddColumn("train acc").AddColumn("pairs").AddColumn("retrained").AddColumn("worst |grad|").AddColumn("Pearson r").AddColumn("per-test r (min..max)");
        foreach (var (accuracy, result) in rows)
        {
            var per = result.PerTestPearson.Where(double.IsFinite).ToList();
            table.AddRow(result.L2.ToString("G4", Inv), accuracy.ToString("P1", Inv), result.Rows.Count.ToString(Inv), result.Retrainings.ToString(Inv),
                result.WorstGradientNorm.ToString("G2", Inv), result.Pearson.ToString("F4", Inv), per.Count == 0 ? "-" : $"{per.Min().ToString("F3", Inv)}..{per.Max().ToString("F3", Inv)}");
        }
        console.Out.Write(table);
        foreach (var (_, r) in rows) console.Line(string.Create(Inv, $"loo_pearson l2={r.L2:G4} r={r.Pearson:F4}"));
        console.Markup($"Wrote [green]{Markup.Escape(csv)}[/].");
    }

    /// <summary>The influence attack's summary table: one row per attack and epsilon, means over test points.</summary>
    public static void WriteAttackSummary(CliConsole console, InfluenceSweepResult result, int keepTop)
    {
        var table = new Table().Title("Influence attack summary (means over test points)")
            .AddColumn("attack").AddColumn("eps").AddColumn("tests").AddColumn("Spearman").AddColumn($"top-{keepTop} kept").AddColumn("head label kept")
            .AddColumn("network label kept").AddColumn("angle (deg)").AddColumn("dp(label)");
        foreach (var r in result.Summary)
            table.AddRow(Markup.Escape(r.Attack), r.Epsilon.ToString("G4", Inv), r.Tests.ToString(Inv),
                string.Create(Inv, $"{r.SpearmanMean:F3} ± {r.SpearmanStd:F3}"), string.Create(Inv, $"{r.TopKeptMean:F2} ± {r.TopKeptStd:F2}"),
                r.LabelKeptRate.ToString("P0", Inv), r.NetworkLabelKeptRate.ToString("P0", Inv),
                double.IsFinite(r.AngleGradientMean) ? r.AngleGradientMean.ToString("F1", Inv) : "-", r.ProbabilityChangeMean.ToString("+0.000;-0.000", Inv));
        console.Out.Write(table);
    }
}
