using System.CommandLine;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Experiments;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options <c>attack</c> and <c>sweep</c> share, defined once so their help texts and defaults agree.</summary>
internal sealed class AttackCliOptions
{
    public Option<int> Iterations { get; } = CommonOptions.Iterations();
    public Option<double> Step { get; } = CommonOptions.Step();
    public Option<int?> K { get; } = CommonOptions.K();
    public Option<double> Beta { get; } = CommonOptions.Beta();
    public Option<string> Criterion { get; } = new("--criterion") { Description = "How the returned iterate is chosen among those that keep the label: topk (lowest top-k intersection), spearman (lowest rank correlation) or center_shift (largest centre shift, pixels).", DefaultValueFactory = _ => "topk" };
    public Option<int> Seed { get; } = new("--seed") { Description = "Base seed (integer) of the random-sign draws; each image's draws are seeded from it, the image index, the method, the attack and epsilon, never from processing order.", DefaultValueFactory = _ => 0 };
    public Option<int> AttackSteps { get; } = new Option<int>("--attack-steps") { Description = "Path points of integrated gradients inside the attack's gradient (fewer is cheaper; the criterion still uses --ig-steps).", DefaultValueFactory = _ => 20 }.AtLeast(1);
    public Option<string> CriterionIg { get; } = new("--criterion-ig")
    {
        Description = $"Integrated gradients that scores the iterates of topk, mass_center and targeted, as rule:points, or '{CriterionQuadrature.PaperName}' for the paper's (the same as the maps: --ig-rule, --ig-steps). " +
            "The returned image's map is always made with --ig-rule and --ig-steps. The default's completeness error on the shipped model is below that of 100 right-Riemann points (docs/method.md §4.1).",
        DefaultValueFactory = _ => CriterionQuadrature.Default.ToString(),
    };
    /// <summary>How the methods are made: --reference, --ig-steps, --ig-rule, SmoothGrad's samples and sigma.</summary>
    public MethodCliOptions Methods { get; } = new();
    public Option<int> IgSteps => Methods.IgSteps;
    public Option<int> BatchSize { get; } = CommonOptions.BatchSize();
    public Option<string?> TargetRegion { get; } = new("--target-region") { Description = "Target region T of the targeted attack as row0,col0,row1,col1 in pixels from the top-left: rows row0..row1-1, columns col0..col1-1 (e.g. 0,0,8,8 is the 8x8 top-left corner)." };
    public Option<string?> TargetMask { get; } = new("--target-mask") { Description = "Target region T of the targeted attack as a PNG of the model's input size (width x height); non-zero pixels are in T." };

    /// <summary>Adds every shared option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Iterations, Step, K, Beta, Criterion, Seed, AttackSteps, CriterionIg, BatchSize, TargetRegion, TargetMask })
            command.Options.Add(o);
        Methods.AddTo(command);
    }

    /// <summary>The attack settings for <paramref name="epsilon"/> (0-255 scale).</summary>
    public AttackSettings Settings(ParseResult pr, double epsilon) => new()
    {
        Epsilon = epsilon, Step = pr.GetValue(Step), Iterations = pr.GetValue(Iterations), K = pr.GetValue(K),
        Beta = pr.GetValue(Beta), Criterion = AttackNames.ParseCriterion(pr.GetValue(Criterion)!), Seed = pr.GetValue(Seed),
    };

    /// <summary>The target region from --target-region or --target-mask (not both), or null.</summary>
    public TargetRegion? Target(ParseResult pr)
    {
        string? region = pr.GetValue(TargetRegion), mask = pr.GetValue(TargetMask);
        if (region is not null && mask is not null)
            throw new FragilityException("Give either --target-region or --target-mask, not both.");
        return region is not null ? Attacks.TargetRegion.FromRectangle(region) : mask is not null ? Attacks.TargetRegion.FromMaskImage(mask) : null;
    }

    /// <summary>The method factory for --reference, --ig-rule and SmoothGrad's options (path points are per call).</summary>
    public Experiments.SweepMethodFactory MethodFactory(ParseResult pr, Models.Classifier model)
    {
        var options = Methods.Bind(pr, model);
        return SweepMethods.Create(options.Reference!, options.IgRule, options);
    }

    /// <summary>The criterion method for <paramref name="evaluation"/> from --criterion-ig (null: the evaluation method).</summary>
    public IAttributionMethod? CriterionFor(ParseResult pr, IAttributionMethod evaluation) =>
        CriterionQuadrature.Parse(pr.GetValue(CriterionIg)!)?.MethodFor(evaluation);
}
