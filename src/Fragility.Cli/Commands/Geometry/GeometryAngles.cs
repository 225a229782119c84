using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments.Geometry;
using Fragility.Geometry;

namespace Fragility.Cli.Commands.Geometry;

/// <summary><c>fragility geometry angles: prediction vs explanation directions.</c></summary>
internal static class GeometryAngles
{
    public static Command Build()
    {
        var common = new GeometryCliOptions("geometry-angles", images: 1000);
        var jobs = new GeometryJobsCliOptions();
        var lanczos = new Option<int>("--lanczos-steps") { Description = "Lanczos steps (Hessian-vector products) per image for the top Hessian eigenvector.", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var cmd = new Command("angles", "Per image, on the softplus twin: the angle between grad_x score_y (the direction that changes the prediction most) and grad_x D of the top-k and mass-center objectives " +
            "(the directions that change the simple-gradient map most), and the angle to the top eigenvector of the input Hessian of score_y. Writes angles.csv, angles.png (histograms), per-image/angles.csv, section.json.")
        { lanczos };
        common.AddTo(cmd);
        jobs.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            using var model = common.LoadModel(pr, out string name);
            using var inputs = common.LoadInputs(console, pr, model);
            var settings = common.Settings(pr);
            int steps = pr.GetValue(lanczos), batchSize = pr.GetValue(common.BatchSize);
            return jobs.RunImages(console, pr, common, "angles", inputs.Count,
                (images, p, cancel) => AngleExperiment.MeasureImages(model, inputs, settings, steps, batchSize, images, p, cancel),
                parts => GeometryFiles.Write(AngleExperiment.Combine(model, inputs, settings, name, steps, parts), pr.GetValue(common.Output)!, new AngleWriter()));
        }));
        return cmd;
    }
}
