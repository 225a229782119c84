using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// The one mechanism behind DeepLIFT and relevance propagation (zennit's core): runs the input x (and, for
/// difference methods, the reference r) forward through a chain of <see cref="LayerNode"/>s, remembering each
/// layer's inputs and outputs, then walks back applying the rule a <see cref="Composite"/> assigns to each layer.
/// Concatenated branches (<see cref="ConcatNode"/>) get their part of the signal, split by channel widths, and their
/// input signals are summed at the shared input. All operations are ordinary tensor operations, so with gradients
/// enabled the result is a differentiable function of x.
/// </summary>
public static class PropagationWalker
{
    /// <summary>Propagates a signal from the output of <paramref name="chain"/> back to its input.</summary>
    /// <param name="chain">The layers (e.g. <see cref="Classifier.Layers"/>, normalisation first).</param>
    /// <param name="input">x [N, ...].</param>
    /// <param name="reference">r, same shape as x, or null when the rules need no reference.</param>
    /// <param name="composite">Rule per layer.</param>
    /// <param name="outputSignal">The signal at the output from the output for x and for r (null without r), e.g.
    /// one-hot(target) multipliers, or one-hot(target) * logits relevance.</param>
    /// <returns>The signal at the input (shape of x) and the chain's outputs for x and r.</returns>
    public static (Tensor InputSignal, Tensor Output, Tensor? ReferenceOutput) Propagate(IReadOnlyList<LayerNode> chain, Tensor input,
        Tensor? reference, Composite composite, Func<Tensor, Tensor?, Tensor> outputSignal)
    {
        if (reference is not null && !reference.shape.SequenceEqual(input.shape))
            throw new ArgumentException($"reference [{string.Join(",", reference.shape)}] must have the input's shape [{string.Join(",", input.shape)}]");
        var steps = new List<Step>();
        bool seenLinear = false;
        var (output, referenceOutput) = Forward(chain, input, reference, steps, ref seenLinear);
        var signal = outputSignal(output, referenceOutput);
        if (!signal.shape.SequenceEqual(output.shape))
            throw new ArgumentException($"output signal [{string.Join(",", signal.shape)}] must have the output's shape [{string.Join(",", output.shape)}]");
        return (Backward(steps, signal, composite), output, referenceOutput);
    }

    private abstract record Step;

    private sealed record ModuleStep(ModuleNode Node, LayerState State, bool IsFirstLinear) : Step;

    private sealed record ConcatStep(List<Step>[] Branches, long[] Widths) : Step;

    private static (Tensor X, Tensor? R) Forward(IReadOnlyList<LayerNode> chain, Tensor x, Tensor? r, List<Step> steps, ref bool seenLinear)
    {
        foreach (var node in chain)
        {
            switch (node)
            {
                case ModuleNode m:
                {
                    bool first = !seenLinear && LinearMaps.IsWeighted(m.Module);
                    seenLinear |= first;
                    var y = m.Module.forward(x);
                    var yr = r is null ? null : m.Module.forward(r);
                    steps.Add(new ModuleStep(m, new LayerState(m.Name, x, y, r, yr), first));
                    (x, r) = (y, yr);
                    break;
                }
                case ConcatNode c:
                {
                    var branches = new List<Step>[c.Branches.Count];
                    var outputs = new Tensor[c.Branches.Count];
                    var referenceOutputs = new Tensor?[c.Branches.Count];
                    bool seenAfter = seenLinear;
                    for (int b = 0; b < branches.Length; b++)
                    {
                        // Every branch sees the same input, so each may hold a "first" weighted layer.
                        bool seen = seenLinear;
                        branches[b] = [];
                        (outputs[b], referenceOutputs[b]) = Forward(c.Branches[b], x, r, branches[b], ref seen);
                        seenAfter |= seen;
                    }
                    seenLinear = seenAfter;
                    steps.Add(new ConcatStep(branches, outputs.Select(o => o.shape[1]).ToArray()));
                    x = torch.cat(outputs, 1);
                    r = r is null ? null : torch.cat(referenceOutputs.Select(t => t!).ToArray(), 1);
                    break;
                }
                default:
                    throw new InvalidOperationException($"unknown layer node {node}");
            }
        }
        return (x, r);
    }

    private static Tensor Backward(List<Step> steps, Tensor signal, Composite composite)
    {
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            switch (steps[i])
            {
                case ModuleStep s:
                {
                    var rule = composite.RuleFor(s.Node.Module, s.Node.Name, s.IsFirstLinear);
                    var next = rule.Backward(s.Node.Module, s.State, signal);
                    if (!next.shape.SequenceEqual(s.State.Input.shape))
                        throw new InvalidOperationException($"rule {rule.Name} on layer '{s.Node.Name}' returned [{string.Join(",", next.shape)}], expected [{string.Join(",", s.State.Input.shape)}]");
                    signal = next;
                    break;
                }
                case ConcatStep c:
                {
                    var parts = signal.split(c.Widths, 1);
                    Tensor? sum = null;
                    for (int b = 0; b < c.Branches.Length; b++)
                    {
                        var part = Backward(c.Branches[b], parts[b], composite);
                        sum = sum is null ? part : sum + part;
                    }
                    signal = sum ?? throw new InvalidOperationException("a concatenation without branches");
                    break;
                }
            }
        }
        return signal;
    }
}
