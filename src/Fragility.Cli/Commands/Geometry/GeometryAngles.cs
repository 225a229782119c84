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
        var lanczos = new Option<int>("--lanczos-steps") { Description = "Lanczos steps (Hessian-vector products) per image for the top Hessian eigenvector.", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var cmd = new Command("angles", "Per image, on the softplus twin: the angle between grad_x score_y (the direction that changes the prediction most) and grad_x D of the top-k and mass-center objectives " +
            "(the directions that change the simple-gradient map most), and the angle to the top eigenvector of the input Hessian of score_y. Writes angles.csv, angles.png (histograms), per-image/angles.csv, section.json.")
        { lanczos };
        common.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            using var model = common.LoadModel(pr, out string name);
            using var inputs = common.LoadInputs(console, pr, model);
            var summary = ConsoleProgress.Run(console, "angles", p => AngleExperiment.Run(model, inputs, common.Settings(pr), pr.GetValue(common.Output)!, name,
                pr.GetValue(lanczos), pr.GetValue(common.BatchSize), p));
            return GeometryCliOptions.Print(console, summary);
        }));
        return cmd;
    }
}
