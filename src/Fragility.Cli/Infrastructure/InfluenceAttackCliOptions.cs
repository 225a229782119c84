using System.CommandLine;
using Fragility.Influence;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options of <c>influence-attack</c> that say which attacks run, bound to <see cref="InfluenceSweepOptions"/>.</summary>
internal sealed class InfluenceAttackCliOptions
{
    private static readonly InfluenceAttackOptions Defaults = new();

    public Option<string> Epsilons { get; } = CommonOptions.Epsilons("The attacks' budgets.");
    public Option<string> Attacks { get; } = new Option<string>("--attacks")
    {
        Description = "Comma-separated: single-step (the paper's x + eps * sign(grad D)), iterative (Algorithm 1: --steps steps of --step-size inside the eps ball, " +
                      "best iterate keeping the head's label), random (x + eps * sign(noise)).",
        DefaultValueFactory = _ => "single-step,iterative,random",
    }.ListOf(["single-step", "iterative", "random"]);
    public Option<string> Objectives { get; } = new Option<string>("--objectives")
    {
        Description = "Comma-separated objectives D for the gradient attacks: raw (sum of the influence of the top-3 helpful points, the paper's) and/or " +
                      "normalized (the same on the influence vector scaled to unit length, as in the authors' code; removes the factor p_t - y_t every value shares; 'normalised' is accepted too).",
        DefaultValueFactory = _ => "raw,normalized",
    }.ListOf(["raw", "normalized", "normalised"]);
    public Option<int> Steps { get; } = new Option<int>("--steps") { Description = "Iterative attack: number of steps P.", DefaultValueFactory = _ => Defaults.Steps }.AtLeast(1);
    public Option<double> StepSize { get; } = new Option<double>("--step-size") { Description = "Iterative attack: step size alpha in 0-255 units.", DefaultValueFactory = _ => Defaults.StepSize }.Above(0.0, 255.0);
    public Option<int> Top { get; } = new Option<int>("--top") { Description = "How many of the most helpful training points the objective sums.", DefaultValueFactory = _ => Defaults.TopHelpful }.AtLeast(1);
    public Option<bool> Repick { get; } = new("--repick-top") { Description = "Iterative attack: re-pick the --top points at every step as the iterate's current most helpful ones, instead of keeping the clean input's set (the paper's objective, the default)." };
    public Option<int> Keep { get; } = new Option<int>("--keep-top") { Description = "k of the metric 'original top-k helpful points still in the top k'.", DefaultValueFactory = _ => Defaults.KeepTop }.AtLeast(1);
    public Option<string> Surrogate { get; } = new Option<string>("--surrogate")
    {
        Description = "Network the attack gradient goes through: relu (the network itself; phi is piecewise linear, its gradient is not zero) or softplus (the softplus(--beta) twin). " +
                      "Evaluation and label checks always use the ReLU network.",
        DefaultValueFactory = _ => "relu",
    }.ListOf(["relu", "softplus"]);
    public Option<double> Beta { get; } = new Option<double>("--beta") { Description = "Softplus beta for --surrogate softplus.", DefaultValueFactory = _ => 1.0 }.Positive();
    public Option<int> Seed { get; } = CommonOptions.Seed();
    public Option<int> Batch { get; } = new Option<int>("--batch") { Description = "Test points attacked together; results are saved after each batch.", DefaultValueFactory = _ => 50 }.AtLeast(1);
    public Option<int> GalleryTests { get; } = new Option<int>("--gallery-tests") { Description = "Before/after galleries in the report for the first N test points.", DefaultValueFactory = _ => 4 }.AtLeast(0);

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Epsilons, Attacks, Objectives, Steps, StepSize, Top, Repick, Keep, Surrogate, Beta, Seed, Batch, GalleryTests })
            command.Options.Add(o);
    }

    /// <summary>The validated attack grid: every attack with every objective (the random attack has none).</summary>
    public InfluenceSweepOptions Bind(ParseResult pr)
    {
        double? softplus = pr.GetValue(Surrogate)!.Trim().Equals("softplus", StringComparison.OrdinalIgnoreCase) ? pr.GetValue(Beta) : null;
        var objectives = Lists.Split(pr.GetValue(Objectives)!, "--objectives")
            .Select(o => o.Equals("raw", StringComparison.OrdinalIgnoreCase) ? InfluenceObjective.Raw : InfluenceObjective.Normalised).Distinct().ToList();
        var list = new List<InfluenceAttackOptions>();
        foreach (string attack in Lists.Split(pr.GetValue(Attacks)!, "--attacks"))
        {
            var kind = attack.ToLowerInvariant() switch
            {
                "single-step" => InfluenceAttackKind.SingleStep,
                "iterative" => InfluenceAttackKind.Iterative,
                _ => InfluenceAttackKind.RandomSign,
            };
            foreach (var objective in kind == InfluenceAttackKind.RandomSign ? [InfluenceObjective.Raw] : objectives)
                list.Add(new InfluenceAttackOptions
                {
                    Kind = kind, Objective = objective, TopHelpful = pr.GetValue(Top), KeepTop = pr.GetValue(Keep), Steps = pr.GetValue(Steps),
                    StepSize = pr.GetValue(StepSize), SoftplusBeta = softplus, Seed = pr.GetValue(Seed), RepickTargets = pr.GetValue(Repick),
                });
        }
        var sweep = new InfluenceSweepOptions
        {
            Attacks = list, Epsilons = Lists.Numbers(pr.GetValue(Epsilons)!, "--epsilons"), BatchSize = pr.GetValue(Batch), GalleryTests = pr.GetValue(GalleryTests),
        };
        sweep.Validate();
        return sweep;
    }
}
