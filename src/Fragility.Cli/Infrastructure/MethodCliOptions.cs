using System.CommandLine;
using Fragility.Attribution;
using Fragility.Models;

namespace Fragility.Cli.Infrastructure;

/// <summary>How the attribution methods are made (--reference, --ig-steps, --ig-rule, SmoothGrad's samples and sigma),
/// defined once for <c>explain</c>, <c>attack</c> and <c>sweep</c>.</summary>
internal sealed class MethodCliOptions
{
    /// <summary>--reference.</summary>
    public Option<string> Reference { get; } = CommonOptions.Reference();

    /// <summary>--ig-steps M.</summary>
    public Option<int> IgSteps { get; } = new Option<int>("--ig-steps")
    {
        Description = "Path points M of integrated gradients for maps and the attack's criterion.",
        DefaultValueFactory = _ => 100,
    }.AtLeast(1);

    /// <summary>--ig-rule.</summary>
    public Option<string> IgRule { get; } = CommonOptions.IgRule();

    /// <summary>--smoothgrad-samples N.</summary>
    public Option<int> SmoothGradSamples { get; } = CommonOptions.SmoothGradSamples();

    /// <summary>--smoothgrad-sigma S.</summary>
    public Option<double> SmoothGradSigma { get; } = CommonOptions.SmoothGradSigma();

    /// <summary>Every option of the group.</summary>
    public IReadOnlyList<Option> All => [Reference, IgSteps, IgRule, SmoothGradSamples, SmoothGradSigma];

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in All) command.Options.Add(o);
    }

    /// <summary>The method settings with <paramref name="model"/>'s reference as --reference names it.</summary>
    public AttributionOptions Bind(ParseResult pr, Classifier model) => new()
    {
        Reference = References.Create(model, pr.GetValue(Reference)),
        IgSteps = pr.GetValue(IgSteps),
        IgRule = PathIntegration.Parse(pr.GetValue(IgRule)!),
        SmoothGradSamples = pr.GetValue(SmoothGradSamples),
        SmoothGradSigma255 = pr.GetValue(SmoothGradSigma),
    };
}
