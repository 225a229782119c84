using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using Fragility.Runtime;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>
/// Issue 18 item 5: resident memory over 300 top-k attack steps at 224x224 with batch 8 (untrained squeezenet1_1,
/// gradient map), sampled every 10 steps inside one attack run, with the least-squares slope in MB per 100 steps.
/// </summary>
public sealed class MemorySuite : IBenchmarkSuite
{
    /// <inheritdoc />
    public string Name => "memory";

    /// <inheritdoc />
    public string Description => "resident memory every 10 steps over 300 top-k gradient attack steps, squeezenet1_1 224x224 batch 8, with the allocator's free memory kept and given back (slope MB/100 steps)";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        int steps = bench.Quick ? 30 : 300, batch = bench.Quick ? 2 : 8;
        // A shorter run for checking a suspected allocator effect without 300 slow steps.
        if (int.TryParse(Environment.GetEnvironmentVariable("FRAGILITY_BENCH_MEMORY_STEPS"), out int custom) && custom >= 20) steps = custom;
        using var model = BenchModels.SqueezeNet();
        using var x = BenchModels.SqueezeInputs(batch);
        var method = AttributionMethods.Create("gradient");
        using var clean = CleanReference.Compute(model, method, x);
        string what = $"squeezenet1_1 224x224 batch {batch} gradient top-k";
        // The same attack with the allocator's free memory kept (as before) and given back every NativeMemory.Interval
        // steps (the change), in one run; both start from a trimmed heap.
        var slopes = new Dictionary<bool, (double Slope, double Growth, double Max)>();
        foreach (bool giveBack in new[] { false, true })
        {
            NativeMemory.Enabled = true;
            GC.Collect();
            NativeMemory.ReturnFreed();
            NativeMemory.Enabled = giveBack;
            // Sampled mid-way between two returns (step 5, 15, ...), so the samples include what the allocator kept since.
            var sampled = new SampledGradient(method, every: 10, offset: 5);
            var attack = FragilityAttack.TopK(model, method, new AttackSettings { Epsilon = 8, Iterations = steps }, sampled);
            var start = DateTime.UtcNow;
            using (var r = attack.Run(clean)) { }
            double seconds = (DateTime.UtcNow - start).TotalSeconds;
            var points = sampled.Samples;
            string label = giveBack ? "free memory given back" : "free memory kept";
            Console.WriteLine($"  {label}: RSS MB by step: " + string.Join(" ", points.Select(p => $"{p.Step}:{p.Megabytes:F0}")));
            var (first, last) = (points[0], points[^1]);
            // Least squares over all samples: one high sample at a GC or allocator trim does not make a slope.
            double mx = points.Average(p => p.Step), my = points.Average(p => p.Megabytes);
            double slope = points.Sum(p => (p.Step - mx) * (p.Megabytes - my)) / points.Sum(p => (p.Step - mx) * (p.Step - mx));
            double max = points.Max(p => p.Megabytes);
            bench.Record(Name, $"{what}, {label}: resident memory at step {first.Step}", first.Megabytes, "MB");
            bench.Record(Name, $"{what}, {label}: resident memory at step {last.Step}", last.Megabytes, "MB",
                $"growth {last.Megabytes - first.Megabytes:F1} MB ({100 * (last.Megabytes - first.Megabytes) / first.Megabytes:F1} %), largest sample {max:F0} MB, {seconds / steps:F2} s/step");
            bench.Record(Name, $"{what}, {label}: resident memory slope", slope * 100, "MB/100 steps", $"least squares over {points.Count} samples");
            slopes[giveBack] = (slope * 100, last.Megabytes - first.Megabytes, max);
        }
        NativeMemory.Enabled = true;
        bench.Record(Name, $"{what}: largest resident sample, given back / kept", slopes[true].Max / slopes[false].Max, "ratio", "measured in this run");
    }

    /// <summary>The gradient method, counting its calls (one per attack step: grad_x D) and sampling the resident
    /// memory at the start of the steps after <c>offset</c>, <c>offset</c> + <c>every</c>, ... completed steps.</summary>
    private sealed class SampledGradient(IAttributionMethod inner, int every, int offset) : IAttributionMethod
    {
        public List<(int Step, double Megabytes)> Samples { get; } = [];

        public int Calls { get; private set; }

        public string Name => inner.Name;

        public bool NeedsSmoothTwinForAttack => inner.NeedsSmoothTwinForAttack;

        public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false)
        {
            if (Calls > 0 && Calls % every == offset)
            {
                Samples.Add((Calls, BenchModels.ResidentMegabytes()));
                // As it goes: a long run stopped early still shows its samples.
                // The managed heap beside it tells a managed from a native growth.
                Console.WriteLine($"    step {Calls,4}: {Samples[^1].Megabytes:F1} MB resident, managed heap {GC.GetTotalMemory(false) / 1048576.0:F1} MB, live tensors {TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount} at {DateTime.UtcNow:HH:mm:ss}");
            }
            Calls++;
            return inner.Attribute(model, input, target, createGraph);
        }
    }
}
