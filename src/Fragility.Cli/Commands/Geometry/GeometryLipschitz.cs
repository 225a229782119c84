using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments.Geometry;

namespace Fragility.Cli.Commands.Geometry;

/// <summary><c>fragility geometry lipschitz: Lipschitz constants vs fragility across models.</c></summary>
internal static class GeometryLipschitz
{
    public static Command Build()
    {
        var common = new GeometryCliOptions("geometry-lipschitz", images: 64);
        var jobs = new GeometryJobsCliOptions();
        var models = new Option<string>("--models")
        {
            Description = "Model files to compare, comma-separated (e.g. small-cnn trained with other seeds, widths, weight decay, softplus); 'shipped' is the shipped model. At least two. " +
                          "Without it: the shipped model and every .safetensors file given with --model-dir.",
        };
        var modelDir = new Option<string?>("--model-dir") { Description = "Folder whose .safetensors models are added to --models." };
        var ascent = new Option<int>("--ascent-iterations") { Description = "Iterations of the projected gradient-norm ascent in the epsilon ball (empirical Lipschitz constant).", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var cmd = new Command("lipschitz", "Across several trained models: a certified upper bound of the network's Lipschitz constant (product of per-layer spectral norms; convolutions by power iteration on the operator and its transpose), " +
            "an empirical local constant (largest gradient norm found by projected ascent in the eps ball), the local Lipschitz estimate of the saliency map, and the fragility of the simple-gradient map under the top-k attack; " +
            "correlations across models. Writes lipschitz.csv, lipschitz-correlations.csv, lipschitz.png, per-image/layers.csv, section.json.")
        { models, modelDir, ascent };
        common.AddTo(cmd);
        jobs.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            common.Runtime.Initialize(pr);
            var paths = LipschitzExperiment.ModelPaths(pr.GetValue(models) is string list ? Lists.Split(list, "--models") : null, pr.GetValue(modelDir));
            var settings = common.Settings(pr);
            int images = pr.GetValue(common.Images), steps = pr.GetValue(ascent);
            return jobs.Run(console, pr, common, "lipschitz", paths.Count, 1, $"the {paths.Count} models",
                (models, p, cancel) => LipschitzExperiment.MeasureModels(paths, pr.GetValue(common.Dataset)!, pr.GetValue(common.Data), images, settings, steps,
                    pr.GetValue(common.BatchSize), models, p, cancel),
                parts => GeometryFiles.Write(LipschitzExperiment.Combine(paths.Count, images, settings, steps, parts), pr.GetValue(common.Output)!, new LipschitzWriter()));
        }));
        return cmd;
    }
}
