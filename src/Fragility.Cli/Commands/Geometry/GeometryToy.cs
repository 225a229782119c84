using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments.Geometry;

namespace Fragility.Cli.Commands.Geometry;

/// <summary><c>fragility geometry toy: dimension scaling of g(w.x).</c></summary>
internal static class GeometryToy
{
    public static Command Build()
    {
        var dims = new Option<string>("--dimensions") { Description = "Input dimensions d, comma-separated; the default spans five orders of magnitude.", DefaultValueFactory = _ => "10,100,1000,10000,100000,1000000" };
        var units = new Option<string>("--units") { Description = "Numbers of units m of f(x) = sum_j a_j softplus(w_j.x + b_j), comma-separated; 1 is the paper's rank-one toy.", DefaultValueFactory = _ => "1,8" };
        var eps = CommonOptions.Epsilon("The perturbation's size.");
        var scale = new Option<double>("--scale") { Description = "Per-coordinate standard deviation s of the weights (w_ji ~ N(0, s^2)).", DefaultValueFactory = _ => 0.01 };
        var draws = new Option<int>("--draws") { Description = "Random draws per dimension.", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("geometry-toy");
        var runtime = new RuntimeCliOptions();
        var cmd = new Command("toy", "Dimension scaling on the toy model score = g(w.x) (g = softplus): relative change and top-k intersection of the gradient map under delta = eps sign(w), " +
            "measured by autograd in float64, against the analytic |g''/g'| eps ||w||_1. Writes toy.csv, toy.png, per-image/toy-draws.csv, section.json.")
        { dims, units, eps, scale, draws, seed, output };
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            var summary = ConsoleProgress.Run(console, "toy", p => ToyExperiment.Run(pr.GetValue(output)!, GeometryCliOptions.Ints(pr.GetValue(dims)!, "--dimensions"), GeometryCliOptions.Ints(pr.GetValue(units)!, "--units"),
                pr.GetValue(eps), pr.GetValue(scale), pr.GetValue(draws), pr.GetValue(seed), p));
            return GeometryCliOptions.Print(console, summary);
        }));
        return cmd;
    }
}
