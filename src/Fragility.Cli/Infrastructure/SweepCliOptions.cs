using System.CommandLine;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Experiments;
using Fragility.Metrics;

namespace Fragility.Cli.Infrastructure;

/// <summary>The options of <c>sweep</c> (and <c>demo</c>) that define the grid, bound to <see cref="SweepSettings"/>, whose
/// defaults they show unless the paper's grid differs from the library's.</summary>
internal sealed class SweepCliOptions
{
    private static readonly SweepSettings Defaults = new();

    public Option<int> Images { get; } = new Option<int>("--images", "-n") { Description = "Number of test images attacked: the first N, in data-set order, that the model classifies correctly.", DefaultValueFactory = _ => Defaults.Images }.AtLeast(1);
    public Option<string> Methods { get; } = new Option<string>("--methods") { Description = $"Attribution methods, comma-separated: {string.Join(", ", AttributionMethods.Names)}; the default is the paper's three.", DefaultValueFactory = _ => "gradient,ig,deeplift" }.ListOf(AttributionMethods.Names);
    public Option<string> Attacks { get; } = new Option<string>("--attacks") { Description = "Attacks, comma-separated: random, random_walk, topk, mass_center, targeted.", DefaultValueFactory = _ => string.Join(",", Defaults.Attacks) };
    public Option<string> Epsilons { get; } = CommonOptions.Epsilons("The grid's perturbation sizes (the default is the paper's).");
    public Option<string> Metrics { get; } = new Option<string>("--metrics")
    {
        Description = "Metrics written on each result line, comma-separated, by category: " +
            string.Join("; ", Enum.GetValues<MetricCategory>().Select(c => $"{c.ToString().ToLowerInvariant()} {string.Join(", ", MetricCatalogue.Names(c))}")) +
            ". Similarity compares the clean and the attacked map; the others describe the clean input's map and repeat on each of its lines " +
            "(see docs/metrics.md). The default is what sweeps have always written; a sweep resumes only with the metrics it started with.",
        DefaultValueFactory = _ => string.Join(",", MetricCatalogue.DefaultNames),
    }.ListOf([.. MetricCatalogue.All.Select(m => m.Name)]);
    public Option<double> SensitivityRadius { get; } = new Option<double>("--sensitivity-radius")
    {
        Description = "Noise radius of max_sensitivity, avg_sensitivity and local_lipschitz in pixel units of the 0-255 scale (uniform in the L-infinity ball; 8 is the paper's largest epsilon).",
        DefaultValueFactory = _ => Defaults.SensitivityRadius,
    }.Above(0.0, 255.0);
    public Option<int> SensitivitySamples { get; } = new Option<int>("--sensitivity-samples")
    {
        Description = "Noise draws per image of max_sensitivity, avg_sensitivity and local_lipschitz.",
        DefaultValueFactory = _ => Defaults.SensitivitySamples,
    }.AtLeast(1);
    public AttackCliOptions Attack { get; } = new();
    public Option<int> ArrayImages { get; } = new Option<int>("--array-images") { Description = "How many images (the first ones) get .npy arrays in DIR/arrays (clean and perturbed images and maps), to bound disk use; 0 for none.", DefaultValueFactory = _ => Defaults.ArrayImages }.AtLeast(0);

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Images, Methods, Attacks, Epsilons, Metrics, SensitivityRadius, SensitivitySamples }) command.Options.Add(o);
        Attack.AddTo(command);
        command.Options.Add(ArrayImages);
    }

    /// <summary>The grid the options say.</summary>
    public SweepSettings Bind(ParseResult pr)
    {
        var attack = Attack.Settings(pr, 8);
        return new SweepSettings
        {
            Methods = Lists.Split(pr.GetValue(Methods)!, "--methods"),
            Attacks = Lists.Split(pr.GetValue(Attacks)!, "--attacks").Select(AttackNames.Canonical).ToArray(),
            Epsilons = Lists.Numbers(pr.GetValue(Epsilons)!, "--epsilons"),
            Images = pr.GetValue(Images), Iterations = attack.Iterations, Step = attack.Step, K = attack.K,
            Beta = attack.Beta, Seed = attack.Seed, Criterion = attack.Criterion,
            BatchSize = pr.GetValue(Attack.BatchSize), IgSteps = pr.GetValue(Attack.IgSteps), AttackSteps = pr.GetValue(Attack.AttackSteps),
            Target = Attack.Target(pr), ArrayImages = pr.GetValue(ArrayImages),
            CriterionIg = CriterionQuadrature.Parse(pr.GetValue(Attack.CriterionIg)!),
            Metrics = MetricCatalogue.Canonical(Lists.Split(pr.GetValue(Metrics)!, "--metrics")),
            SensitivityRadius = pr.GetValue(SensitivityRadius), SensitivitySamples = pr.GetValue(SensitivitySamples),
        };
    }
}
