using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// Integrated gradients (Sundararajan, Taly and Yan 2017, "Axiomatic attribution for deep networks"):
/// attr = (x - r) * sum_i w_i grad score_y(r + alpha_i (x - r)), the path integral of the gradient on the straight
/// line from the reference r to x, approximated by the <see cref="Rule"/> with <see cref="Steps"/> points (the
/// paper's right Riemann sum with M = 100 by default). Path points are evaluated in batches of at most
/// <see cref="InternalBatchSize"/> (inputs x points) to bound memory. With createGraph the result is differentiable
/// in x through every path point. Completeness (sum attr = score_y(x) - score_y(r)) is checked by
/// <see cref="CompletenessError"/>.
/// </summary>
public sealed class IntegratedGradients : IAttributionMethod
{
    /// <summary>Creates the method.</summary>
    /// <param name="steps">M, number of path points (default 100).</param>
    /// <param name="rule">Integration rule (default the paper's right Riemann sum).</param>
    /// <param name="reference">Reference r (default <see cref="ZeroReference"/>; the project's default is the
    /// data set's mean image, which the caller passes as a <see cref="MeanImageReference"/>).</param>
    /// <param name="internalBatchSize">Most path points evaluated in one forward/backward pass (default 32).</param>
    public IntegratedGradients(int steps = 100, IntegrationRule rule = IntegrationRule.RiemannRight, IReference? reference = null, int internalBatchSize = 32)
    {
        if (internalBatchSize < 1) throw new FragilityException($"The internal batch size of integrated gradients must be at least 1, got {internalBatchSize}.");
        (Alphas, Weights) = PathIntegration.Points(rule, steps);
        Steps = steps;
        Rule = rule;
        Reference = reference ?? ZeroReference.Instance;
        InternalBatchSize = internalBatchSize;
    }

    /// <summary>M, the number of path points.</summary>
    public int Steps { get; }

    /// <summary>The integration rule.</summary>
    public IntegrationRule Rule { get; }

    /// <summary>The reference r.</summary>
    public IReference Reference { get; }

    /// <summary>Most path points (summed over inputs) per forward/backward pass.</summary>
    public int InternalBatchSize { get; }

    /// <summary>Path positions alpha_i in [0, 1].</summary>
    public IReadOnlyList<double> Alphas { get; }

    /// <summary>Weights w_i, summing to 1.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>The same method (reference, internal batch size) with another rule and number of path points.</summary>
    public IntegratedGradients WithPoints(IntegrationRule rule, int steps) => new(steps, rule, Reference, InternalBatchSize);

    /// <inheritdoc />
    public string Name => "ig";

    /// <inheritdoc />
    public string Description => $"ig({PathIntegration.NameOf(Rule)}, M={Steps}, reference={Reference.Name})";

    /// <inheritdoc />
    public bool NeedsSmoothTwinForAttack => true;

    /// <inheritdoc />
    public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false)
    {
        Gradients.CheckTarget(model, input, target);
        using var scope = torch.NewDisposeScope();
        var x = createGraph ? input : input.detach();
        var r = Reference.For(x);
        var diff = x - r;
        long n = x.shape[0], m = Steps, total = n * m;
        var sum = torch.zeros_like(x);
        for (long start = 0; start < total; start += InternalBatchSize)
        {
            // One scope per chunk keeps memory at one chunk; the graph (createGraph) holds what it needs itself.
            using var chunkScope = torch.NewDisposeScope();
            long end = Math.Min(total, start + InternalBatchSize);
            var pairs = Enumerable.Range(0, (int)(end - start)).Select(k => start + k).ToArray();
            var inputIndex = torch.tensor(pairs.Select(p => p / m).ToArray(), device: x.device);
            var alpha = torch.tensor(pairs.Select(p => Alphas[(int)(p % m)]).ToArray(), dtype: x.dtype, device: x.device).reshape(-1, 1, 1, 1);
            var weight = torch.tensor(pairs.Select(p => Weights[(int)(p % m)]).ToArray(), dtype: x.dtype, device: x.device).reshape(-1, 1, 1, 1);
            var points = r.index_select(0, inputIndex) + alpha * diff.index_select(0, inputIndex);
            var g = Gradients.OfClassScore(model, points, target.index_select(0, inputIndex), createGraph);
            var next = sum.index_add(0, inputIndex, g * weight, 1).MoveToOuterDisposeScope();
            sum.Dispose();
            sum = next;
        }
        var attribution = diff * sum;
        if (!createGraph) attribution = attribution.detach();
        return attribution.MoveToOuterDisposeScope();
    }

    /// <summary>Completeness error of an attribution this method computed for <paramref name="input"/> and
    /// <paramref name="target"/>: per input |sum attr - (score_y(x) - score_y(r))| and its ratio to
    /// |score_y(x) - score_y(r)|. It shrinks like 1/M for the Riemann sums and much faster for the other rules on
    /// smooth networks.</summary>
    public CompletenessError CompletenessError(Classifier model, Tensor input, Tensor target, Tensor attribution)
    {
        using var _ = torch.no_grad();
        using var r = Reference.For(input.detach());
        return Completeness.Measure(model, input, r, target, attribution);
    }
}
