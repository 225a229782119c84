using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// The one mechanism behind DeepLIFT and relevance propagation (zennit's core): runs the input x (and, for
/// difference methods, the reference r) forward through a chain of <see cref="LayerNode"/>s, remembering each
/// layer's inputs and outputs, then walks back applying the rule a <see cref="Composite"/> assigns to each layer.
/// Concatenated branches (<see cref="ConcatNode"/>) get their part of the signal, split by channel widths, and their
/// input signals are summed at the shared input. A <see cref="GraphNode"/> is walked the same way in reverse
/// topological order: each step's rule maps the signal at its output to its inputs, a Concat splits by channel, a
/// residual Add passes the signal to both inputs (or splits it by <see cref="Composite.SumEpsilon"/>), and signals
/// meeting at a value read by several steps are summed. The composite's canonizers (BatchNorm folding) rewrite the
/// nodes first. All operations are ordinary tensor operations, so with gradients enabled the result is a
/// differentiable function of x.
/// </summary>
public static class PropagationWalker
{
    /// <summary>Propagates a signal from the output of <paramref name="chain"/> back to its input.</summary>
    /// <param name="chain">The layers (e.g. <see cref="Classifier.PropagationLayers"/>, normalisation first).</param>
    /// <param name="input">x [N, ...].</param>
    /// <param name="reference">r, same shape as x, or null when the rules need no reference.</param>
    /// <param name="composite">Rule per layer.</param>
    /// <param name="outputSignal">The signal at the output from the output for x and for r (null without r), e.g.
    /// one-hot(target) multipliers, or one-hot(target) * logits relevance.</param>
    /// <returns>The signal at the input (shape of x) and the chain's outputs for x and r.</returns>
    /// <param name="tape">Records the reference's activations, or replays them when it holds a pass of this input
    /// shape (<see cref="ReferenceTape"/>); null makes them anew.</param>
    public static PropagationResult Propagate(IReadOnlyList<LayerNode> chain, Tensor input,
        Tensor? reference, Composite composite, Func<Tensor, Tensor?, Tensor> outputSignal, ReferenceTape? tape = null)
    {
        if (reference is not null && !reference.shape.SequenceEqual(input.shape))
            throw new ArgumentException($"reference [{string.Join(",", reference.shape)}] must have the input's shape [{string.Join(",", input.shape)}]");
        using var canonical = composite.Canonize(chain);
        var steps = new List<Step>();
        var end = LayerChain.Walk(canonical.Layers, new Flow(input, reference, steps, false, tape), RecordingRunner.Instance);
        var (output, referenceOutput) = (end.X, end.R);
        var signal = outputSignal(output, referenceOutput);
        if (!signal.shape.SequenceEqual(output.shape))
            throw new ArgumentException($"output signal [{string.Join(",", signal.shape)}] must have the output's shape [{string.Join(",", output.shape)}]");
        return new PropagationResult(Backward(steps, signal, composite), output, referenceOutput) { Canonized = canonical.Rewritten };
    }

    private abstract record Step;

    private sealed record ModuleStep(ModuleNode Node, LayerState State, bool IsFirstLinear) : Step;

    private sealed record ConcatStep(List<Step>[] Branches, long[] Widths) : Step;

    /// <summary>A walked graph: per graph step its module step (layers) or its inputs on the path of x (joins).</summary>
    private sealed record GraphRun(GraphNode Node, ModuleStep?[] Modules, Tensor[][] Inputs, Tensor[] Outputs) : Step;

    /// <summary>What flows through the chain on the way forward: x, r, the steps recorded so far (of this branch), and
    /// whether a weighted layer lies between here and the input (the first one gets the z^B rule).</summary>
    private sealed record Flow(Tensor X, Tensor? R, List<Step> Steps, bool SeenLinear, ReferenceTape? Tape);

    /// <summary>Runs x and r through each layer with <see cref="LayerChain.Walk{T}"/>, recording the steps the backward
    /// walk needs.</summary>
    private sealed class RecordingRunner : ILayerRunner<Flow>
    {
        public static readonly RecordingRunner Instance = new();

        public Flow Layer(ModuleNode m, Flow f)
        {
            bool first = !f.SeenLinear && LinearMaps.IsWeighted(m.Module);
            var y = m.Module.forward(f.X);
            var yr = f.R is null ? null : ReferenceTape.Of(f.Tape, () => m.Module.forward(f.R));
            f.Steps.Add(new ModuleStep(m, new LayerState(m.Name, f.X, y, f.R, yr), first));
            return f with { X = y, R = yr, SeenLinear = f.SeenLinear || first };
        }

        public Flow Concat(ConcatNode c, Flow f, Func<IReadOnlyList<LayerNode>, Flow, Flow> walkBranch)
        {
            // Every branch sees the same input and records its own steps, so each may hold a "first" weighted layer.
            var ends = c.Branches.Select(branch => walkBranch(branch, f with { Steps = [] })).ToList();
            f.Steps.Add(new ConcatStep(ends.Select(e => e.Steps).ToArray(), ends.Select(e => e.X.shape[1]).ToArray()));
            return f with
            {
                X = torch.cat(ends.Select(e => e.X).ToArray(), 1),
                R = f.R is null ? null : ReferenceTape.Of(f.Tape, () => torch.cat(ends.Select(e => e.R!).ToArray(), 1)),
                SeenLinear = f.SeenLinear || ends.Any(e => e.SeenLinear),
            };
        }

        public Flow Graph(GraphNode g, Flow f)
        {
            bool seen = f.SeenLinear;
            var (x, r) = ForwardGraph(g, f.X, f.R, f.Steps, f.Tape, ref seen);
            return f with { X = x, R = r, SeenLinear = seen };
        }
    }

    private static (Tensor X, Tensor? R) ForwardGraph(GraphNode g, Tensor x, Tensor? r, List<Step> steps, ReferenceTape? tape, ref bool seenLinear)
    {
        // Per value: its tensors for x and r, and whether a weighted layer lies between it and the graph input.
        var values = new Dictionary<string, (Tensor X, Tensor? R, bool Seen)> { [g.Input] = (x, r, seenLinear) };
        int n = g.Steps.Count;
        var modules = new ModuleStep?[n];
        var inputs = new Tensor[n][];
        var outputs = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            var step = g.Steps[i];
            var ins = step.Inputs.Select(v => values.TryGetValue(v, out var t) ? t
                : throw new InvalidOperationException($"graph step '{step.Name}' reads '{v}' before it is defined")).ToArray();
            bool seen = ins.Any(t => t.Seen);
            (Tensor X, Tensor? R) y;
            switch (step.Join)
            {
                case GraphJoin.Layer:
                {
                    var layer = step.Layer ?? throw new InvalidOperationException($"graph step '{step.Name}' has no layer");
                    if (ins.Length != 1) throw new InvalidOperationException($"graph layer '{step.Name}' reads {ins.Length} values");
                    bool first = !seen && LinearMaps.IsWeighted(layer);
                    seen |= first;
                    y = (layer.forward(ins[0].X), ins[0].R is null ? null : ReferenceTape.Of(tape, () => layer.forward(ins[0].R!)));
                    modules[i] = new ModuleStep(new ModuleNode(layer, step.Name), new LayerState(step.Name, ins[0].X, y.X, ins[0].R, y.R), first);
                    break;
                }
                case GraphJoin.Add:
                    // The signal goes back unchanged in shape to each input: no broadcasting.
                    if (ins.Any(t => !t.X.shape.SequenceEqual(ins[0].X.shape)))
                        throw new FragilityException($"Graph step '{step.Name}' adds tensors of different shapes ({string.Join(" + ", ins.Select(t => $"[{string.Join(",", t.X.shape)}]"))}); the layer-wise methods sum only equal shapes. Use a gradient method for this model.");
                    y = (Sum(ins.Select(t => t.X)), r is null ? null : ReferenceTape.Of(tape, () => Sum(ins.Select(t => t.R!))));
                    break;
                case GraphJoin.Concat:
                    y = (torch.cat(ins.Select(t => t.X).ToArray(), 1), r is null ? null : ReferenceTape.Of(tape, () => torch.cat(ins.Select(t => t.R!).ToArray(), 1)));
                    break;
                default:
                    throw new InvalidOperationException($"unknown graph join {step.Join}");
            }
            inputs[i] = ins.Select(t => t.X).ToArray();
            outputs[i] = y.X;
            values[step.Output] = (y.X, y.R, seen);
        }
        var result = values.TryGetValue(g.Output, out var o) ? o : throw new InvalidOperationException($"the graph never defines its output '{g.Output}'");
        seenLinear = result.Seen;
        steps.Add(new GraphRun(g, modules, inputs, outputs));
        return (result.X, result.R);
    }

    private static Tensor Sum(IEnumerable<Tensor> terms) => terms.Aggregate((a, b) => a + b);

    private static Tensor Backward(List<Step> steps, Tensor signal, Composite composite)
    {
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            switch (steps[i])
            {
                case ModuleStep s:
                    signal = Apply(s, signal, composite);
                    break;
                case GraphRun g:
                    signal = BackwardGraph(g, signal, composite);
                    break;
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

    private static Tensor Apply(ModuleStep s, Tensor signal, Composite composite)
    {
        var rule = composite.RuleFor(s.Node.Module, s.Node.Name, s.IsFirstLinear);
        var next = rule.Backward(s.Node.Module, s.State, signal);
        if (!next.shape.SequenceEqual(s.State.Input.shape))
            throw new InvalidOperationException($"rule {rule.Name} on layer '{s.Node.Name}' returned [{string.Join(",", next.shape)}], expected [{string.Join(",", s.State.Input.shape)}]");
        return next;
    }

    /// <summary>Reverse topological order; signals reaching one value from several steps are summed there.</summary>
    private static Tensor BackwardGraph(GraphRun run, Tensor signal, Composite composite)
    {
        var steps = run.Node.Steps;
        var signals = new Dictionary<string, Tensor> { [run.Node.Output] = signal };
        void Add(string value, Tensor s) => signals[value] = signals.TryGetValue(value, out var t) ? t + s : s;
        for (int i = steps.Count - 1; i >= 0; i--)
        {
            var step = steps[i];
            // A step whose output reaches the graph output through no path carries no signal.
            if (!signals.Remove(step.Output, out var s)) continue;
            switch (step.Join)
            {
                case GraphJoin.Layer:
                    Add(step.Inputs[0], Apply(run.Modules[i]!, s, composite));
                    break;
                case GraphJoin.Add:
                    if (composite.SumEpsilon is not { } epsilon)
                    {
                        // Linear rule: the sum's multipliers are each input's.
                        foreach (var input in step.Inputs) Add(input, s);
                        break;
                    }
                    // z rule: each input gets the share of the sum it contributed.
                    var ratio = s / EpsilonRule.Stabilize(run.Outputs[i], epsilon);
                    for (int k = 0; k < step.Inputs.Count; k++) Add(step.Inputs[k], run.Inputs[i][k] * ratio);
                    break;
                case GraphJoin.Concat:
                {
                    var parts = s.split(run.Inputs[i].Select(t => t.shape[1]).ToArray(), 1);
                    for (int k = 0; k < step.Inputs.Count; k++) Add(step.Inputs[k], parts[k]);
                    break;
                }
            }
        }
        return signals.TryGetValue(run.Node.Input, out var atInput) ? atInput
            : throw new FragilityException("The model's output does not depend on its input through the layers the propagation rules know; use a gradient method.");
    }
}
