using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments.Geometry;
using Fragility.Geometry;

namespace Fragility.Cli.Commands.Geometry;

/// <summary><c>fragility geometry spectrum: input-Hessian eigenvalues vs attack success.</c></summary>
internal static class GeometrySpectrum
{
    public static Command Build()
    {
        var common = new GeometryCliOptions("geometry-spectrum", images: 200);
        var jobs = new GeometryJobsCliOptions();
        var betas = new Option<string>("--betas") { Description = "Softplus betas of the twin whose input-Hessian spectra are measured, comma-separated (the attack's --beta is added).", DefaultValueFactory = _ => "1,2,5,10" }.NumbersAbove(0, double.MaxValue);
        var lanczos = new Option<int>("--lanczos-steps") { Description = "Lanczos steps (Hessian-vector products) per image and beta.", DefaultValueFactory = _ => 30 }.AtLeast(1);
        var count = new Option<int>("--eigenvalues") { Description = "Largest eigenvalues kept per image.", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var cmd = new Command("spectrum", "Top eigenvalues of the Hessian of score_y with respect to the input (Lanczos on Hessian-vector products, double backward, no dense Hessian) on the softplus twin at several beta; " +
            "per image, the relation between the top eigenvalue and how far the top-k attack moves the simple-gradient map (scatter plot and Spearman correlation over images). Writes spectrum.csv, spectrum.png, per-image/spectrum.csv, section.json.")
        { betas, lanczos, count };
        common.AddTo(cmd);
        jobs.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            using var model = common.LoadModel(pr, out string name);
            using var inputs = common.LoadInputs(console, pr, model);
            var settings = common.Settings(pr);
            var betaList = Lists.Numbers(pr.GetValue(betas)!, "--betas");
            int steps = pr.GetValue(lanczos), batchSize = pr.GetValue(common.BatchSize);
            return jobs.RunImages(console, pr, common, "spectrum", inputs.Count,
                (images, p, cancel) => SpectrumExperiment.MeasureImages(model, inputs, betaList, settings, steps, pr.GetValue(count), batchSize, images, p, cancel),
                parts => GeometryFiles.Write(SpectrumExperiment.Combine(inputs, betaList, settings, name, steps, parts), pr.GetValue(common.Output)!, new SpectrumWriter()));
        }));
        return cmd;
    }
}
