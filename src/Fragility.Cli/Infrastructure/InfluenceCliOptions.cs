using System.CommandLine;
using Fragility.Data;
using Fragility.Influence;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options that fix the influence experiment, shared by <c>influence</c> and <c>influence-attack</c>,
/// bound to <see cref="InfluenceSettings"/>, whose defaults they show.</summary>
internal sealed class InfluenceCliOptions
{
    private static readonly InfluenceSettings Defaults = new();

    public Option<string?> Model { get; } = CommonOptions.Model();
    public Option<string> Dataset { get; } = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
    public Option<string?> Data { get; } = CommonOptions.Data();
    public Option<string> Classes { get; } = new("--classes")
    {
        Description = "Classes of the task, comma-separated names or indices; the first is label 0, the second label 1. 'all' takes every class (softmax head; use --solver cg or lissa when it is large).",
        DefaultValueFactory = _ => InfluenceSettings.DefaultClasses,
    };
    public Option<int> TrainPerClass { get; } = new Option<int>("--train-per-class") { Description = "Head training set: the first N training images of each class in file order.", DefaultValueFactory = _ => Defaults.TrainPerClass }.AtLeast(1);
    public Option<int> Tests { get; } = new Option<int>("--tests") { Description = "Test points: the first M test images of the classes in file order that the head classifies correctly.", DefaultValueFactory = _ => Defaults.Tests }.AtLeast(1);
    public Option<double> L2 { get; } = new Option<double>("--l2") { Description = "lambda of the head's objective: mean cross-entropy + (lambda/2)||w||^2 (bias not regularised).", DefaultValueFactory = _ => Defaults.L2 }.Positive();
    public Option<string> Solver { get; } = new Option<string>("--solver")
    {
        Description = "Inverse-Hessian-vector products: exact (dense Hessian, Cholesky), cg (conjugate gradient on Hessian-vector products) or lissa (Agarwal et al. 2017). The influence command checks cg and lissa against exact when the head is small enough (up to 5000 parameters).",
        DefaultValueFactory = _ => "exact",
    }.ListOf(["exact", "cg", "lissa"]);
    public Option<double> CgTolerance { get; } = new Option<double>("--cg-tolerance") { Description = "CG: stop at this relative residual.", DefaultValueFactory = _ => Defaults.CgTolerance }.Positive();
    public Option<int> LissaDepth { get; } = new Option<int>("--lissa-depth") { Description = "LiSSA: recursion depth.", DefaultValueFactory = _ => Defaults.Lissa.Depth }.AtLeast(1);
    public Option<double?> LissaScale { get; } = new("--lissa-scale") { Description = "LiSSA: scale (must exceed the Hessian's largest eigenvalue; without it 1.05 x a power-iteration estimate)." };
    public Option<int?> LissaBatch { get; } = new Option<int?>("--lissa-batch") { Description = "LiSSA: training points per Hessian-vector product (without it all: deterministic)." }.AtLeast(1);
    public Option<int> LissaRepeats { get; } = new Option<int>("--lissa-repeats") { Description = "LiSSA: independent recursions averaged.", DefaultValueFactory = _ => Defaults.Lissa.Repeats }.AtLeast(1);

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Model, Dataset, Data, Classes, TrainPerClass, Tests, L2, Solver, CgTolerance, LissaDepth, LissaScale, LissaBatch, LissaRepeats })
            command.Options.Add(o);
    }

    /// <summary>The settings the options say.</summary>
    public InfluenceSettings Bind(ParseResult pr) => new()
    {
        Classes = pr.GetValue(Classes)!, TrainPerClass = pr.GetValue(TrainPerClass), Tests = pr.GetValue(Tests), L2 = pr.GetValue(L2),
        Solver = pr.GetValue(Solver)!.Trim().ToLowerInvariant() switch
        {
            "cg" => InverseHessianMethod.ConjugateGradient,
            "lissa" => InverseHessianMethod.Lissa,
            _ => InverseHessianMethod.Exact,
        },
        CgTolerance = pr.GetValue(CgTolerance),
        Lissa = new LissaOptions { Depth = pr.GetValue(LissaDepth), Scale = pr.GetValue(LissaScale), BatchSize = pr.GetValue(LissaBatch), Repeats = pr.GetValue(LissaRepeats) },
    };

    /// <summary>Loads the task the options say, showing the head's training as progress.</summary>
    public InfluenceTask Load(CliConsole console, ParseResult pr) =>
        ConsoleProgress.Run(console, "influence head", p => InfluenceTask.Load(pr.GetValue(Model), pr.GetValue(Dataset)!, pr.GetValue(Data), Bind(pr), p));
}
