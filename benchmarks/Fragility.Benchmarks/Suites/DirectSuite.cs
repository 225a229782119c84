using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Metrics;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>
/// Issue 18 item 3, second half: at 224x224 a top-k attack step through Fragility (<see cref="FragilityAttack"/>:
/// target checks, dispose scopes, mode switches, the iterate tracker) against the same libtorch operations issued
/// directly from TorchSharp on the same module (double backward on the softplus twin, sign step, projection, label
/// and top-k criterion on the ReLU network, the label from the criterion map's forward pass). Reports the overhead
/// in percent.
/// </summary>
public sealed class DirectSuite : IBenchmarkSuite
{
    /// <inheritdoc />
    public string Name => "direct";

    /// <inheritdoc />
    public string Description => "224x224 top-k gradient attack step (squeezenet1_1, batch 1): Fragility vs the same libtorch ops issued directly (overhead %)";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        int steps = bench.Quick ? 2 : 5;
        using var model = BenchModels.SqueezeNet();
        using var x0 = BenchModels.SqueezeInputs(1);
        var method = AttributionMethods.Create("gradient");
        using var clean = CleanReference.Compute(model, method, x0);
        int k = TopKIntersection.DefaultK(clean.Height, clean.Width);
        var attack = FragilityAttack.TopK(model, method, new AttackSettings { Epsilon = 8, Iterations = steps });
        using var cleanTop = TopKIntersection.TopKMask(clean.Maps.flatten(1), k);
        using var mask = cleanTop.reshape(clean.Maps.shape).to(ScalarType.Float32);
        double eps = 8 / 255.0, alpha = 0.5 / 255.0;

        // Alternated per rep so that both see the same machine load.
        var ours = new List<double>();
        var direct = new List<double>();
        for (int rep = -1; rep < bench.Repetitions; rep++)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            using (attack.Run(clean)) { }
            if (rep >= 0) ours.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            Direct(model, clean.Inputs, clean.LabelTensor, mask, cleanTop, k, eps, alpha, steps);
            if (rep >= 0) direct.Add(sw.Elapsed.TotalMilliseconds);
        }
        var f = bench.Report(Name, $"Fragility: squeezenet1_1 224 batch 1 gradient top-k, {steps} steps", ours, steps, "steps");
        var d = bench.Report(Name, $"direct libtorch ops: same {steps} steps", direct, steps, "steps");
        bench.Record(Name, "Fragility step time over direct ops", 100 * (f.MedianMs / d.MedianMs - 1), "%", "positive = Fragility slower");
    }

    /// <summary>Algorithm 1 with the gradient map and the top-k objective and criterion, nothing else.</summary>
    private static void Direct(Classifier model, Tensor x0, Tensor y, Tensor mask, Tensor cleanTop, int k, double eps, double alpha, int steps)
    {
        using var x = x0.clone();
        var best = Enumerable.Repeat(1.0, (int)x0.shape[0]).ToArray();
        for (int t = 0; t < steps; t++)
        {
            using var scope = torch.NewDisposeScope();
            Tensor next;
            using (model.UseSoftplus(1.0))
            using (torch.enable_grad())
            {
                var input = x.detach().requires_grad_(true);
                var g = torch.autograd.grad([model.forward(input).gather(1, y.view(-1, 1)).sum()], [input], create_graph: true, retain_graph: true)[0];
                var s = g.abs().sum(1);
                var maps = s.div(s.sum([1L, 2L], keepdim: true).clamp_min(1e-30));
                var dx = torch.autograd.grad([maps.mul(mask).sum().neg()], [input])[0];
                using (torch.no_grad()) next = (x0 + (x + dx.sign().mul(alpha) - x0).clamp(-eps, eps)).clamp(0.0, 1.0);
            }
            using (model.UseRelu())
            {
                // The label from the criterion map's own forward pass, as FragilityAttack.LabelsFromMapPass does.
                var input = next.detach().requires_grad_(true);
                Tensor g, labels;
                using (torch.enable_grad())
                {
                    var logits = model.forward(input);
                    g = torch.autograd.grad([logits.gather(1, y.view(-1, 1)).sum()], [input])[0];
                    labels = logits.detach().argmax(1);
                }
                var s = g.abs().sum(1).flatten(1);
                var top = TopKIntersection.TopKMask(s.div(s.sum(1, keepdim: true).clamp_min(1e-30)), k);
                var inter = cleanTop.logical_and(top).sum(1, type: ScalarType.Int64).data<long>().ToArray();
                var kept = labels.eq(y).data<bool>().ToArray();
                for (int i = 0; i < best.Length; i++) if (kept[i]) best[i] = Math.Min(best[i], inter[i] / (double)k);
            }
            using (torch.no_grad()) x.copy_(next);
        }
    }
}
