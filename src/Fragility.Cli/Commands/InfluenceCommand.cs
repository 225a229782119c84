using System.CommandLine;
using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Influence;
using Fragility.Runtime;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary>
/// <c>fragility influence</c>: exemplar explanations by influence functions (Koh and Liang 2017) of a logistic-regression
/// head on the frozen network's penultimate features: the most helpful and most harmful training images per test point,
/// the full influence vectors, and optionally a leave-one-out check of the approximation (<see cref="LeaveOneOutStudy"/>).
/// </summary>
public sealed class InfluenceCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 40;

    /// <inheritdoc />
    public Command Build()
    {
        var task = new InfluenceCliOptions();
        var tests = new Option<string[]>("--test")
        {
            Description = "Explain these test images instead of the default selection: INDEX (test split of --dataset, file order) or NAME:INDEX " +
                          "(test split of data set NAME, e.g. sample:3); repeat or separate by commas. An image whose class is not one of --classes is explained for the head's prediction.",
            AllowMultipleArgumentsPerToken = true,
        };
        var top = new Option<int>("--top") { Description = "Most helpful and most harmful training points listed and drawn per test point.", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var galleries = new Option<int>("--galleries") { Description = "Write a gallery PNG for the first N test points (default: all).", DefaultValueFactory = _ => int.MaxValue }.AtLeast(0);
        var loo = new LeaveOneOutCliOptions();
        var output = CommonOptions.Out("influence-out");
        var runtime = new RuntimeCliOptions();
        var cmd = new Command("influence",
            "Influence functions (Koh & Liang 2017) on a frozen network: a logistic-regression head (softmax for more classes) on phi(x) = the input of the model's last linear layer, " +
            "trained by Newton's method in float64 on mean cross-entropy + (lambda/2)||w||^2. I(z_i, z_t) = -grad L(z_t)^T H^-1 grad L(z_i): a training point is HELPFUL when I < 0 " +
            "(up-weighting it lowers the test loss) and HARMFUL when I > 0; removing z_i changes the test loss by about -(1/n) I. Writes head.json, influence.jsonl (one line per test point), " +
            "influence.npy [tests x training points] and gallery/*.png (test image, then the most helpful in green and most harmful in red, with their I).")
        {
            tests, top, galleries, output,
        };
        task.AddTo(cmd);
        loo.AddTo(cmd);
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            string outDir = pr.GetValue(output)!;
            using var loaded = task.Load(console, pr);
            var setup = loaded.Setup;
            InfluenceSummaryText.WriteHead(console, setup);
            var points = pr.GetValue(tests) is { Length: > 0 } specs ? loaded.TestPoints(specs) : setup.DefaultTestPoints();
            Directory.CreateDirectory(outDir);
            if (pr.GetValue(loo.Validate)) return loo.Run(console, pr, setup, points, outDir);
            var explanations = ConsoleProgress.Run(console, "influence", p => InfluenceOutputs.WriteExplanations(setup, points, outDir, pr.GetValue(task.Model), pr.GetValue(top), pr.GetValue(galleries), p));
            if (loaded.CompareWithExact(points, explanations) is var (worst, spearman))
                console.Line($"Check against the exact solve: largest relative error {worst.ToString("G3", CultureInfo.InvariantCulture)}, smallest Spearman {spearman.ToString("F4", CultureInfo.InvariantCulture)} over {points.Count} test points.");
            InfluenceSummaryText.WriteExplanations(console, setup, points, explanations);
            console.Markup($"Explained {points.Count} test points. Wrote [green]{Markup.Escape(outDir)}[/]: head.json, influence.jsonl, influence.npy, gallery/.");
            return 0;
        }));
        return cmd;
    }
}
