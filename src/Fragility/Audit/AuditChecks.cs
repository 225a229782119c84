using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Experiments;
using Fragility.IO;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Audit;

/// <summary>
/// The checks a score card puts beside robustness, per method, on the clean audited images: the model-parameter
/// randomisation sanity check (<see cref="ParameterRandomisation"/>, Adebayo et al. 2018), deletion and insertion AUC
/// (<see cref="DeletionInsertion"/>, Petsiuk et al. 2018) and the cost per map. One line per method in checks.jsonl
/// (<see cref="JsonLinesLog{T}"/>), so a killed audit resumes at the next method.
/// </summary>
internal static class AuditChecks
{
    /// <summary>The file of the checks in the audit folder.</summary>
    public const string FileName = "checks.jsonl";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static MethodCheck Check(Classifier model, AuditPlan plan, IAttributionMethod method, string name, int[] images, CancellationToken cancellation)
    {
        var deletion = new List<double>();
        var insertion = new List<double>();
        var maps = new List<Tensor>();
        var labels = new List<long[]>();
        double milliseconds = 0;
        int batch = plan.Sweep.BatchSize;
        var inputs = plan.Inputs.Images.Images;
        var insertionBaseline = new BlurredReference(2.0);
        try
        {
            for (int start = 0; start < images.Length; start += batch)
            {
                cancellation.ThrowIfCancellationRequested();
                using var clean = CleanReference.Compute(model, method, inputs.narrow(0, start, Math.Min(batch, images.Length - start)));
                using var scope = torch.NewDisposeScope();
                using var relu = model.UseRelu();
                var clock = Stopwatch.StartNew();
                method.Attribute(model, clean.Inputs, clean.LabelTensor);   // timed after the clean maps warmed every path up
                milliseconds += clock.Elapsed.TotalMilliseconds;
                var (d, i) = DeletionInsertion.Auc(model, clean.Inputs, clean.Maps, clean.Labels, ZeroReference.Instance, insertionBaseline,
                    plan.Settings.FaithfulnessSteps);
                deletion.AddRange(d);
                insertion.AddRange(i);
                maps.Add(clean.Maps.detach().clone().DetachFromDisposeScope());
                labels.Add(clean.Labels.ToArray());
            }
            // The randomised model's maps explain the trained model's labels, as in Adebayo et al.
            var randomisation = new List<double>();
            using (ParameterRandomisation.Temporarily(model, plan.Settings.Seed + 7))
            using (model.UseRelu())
                for (int start = 0, b = 0; start < images.Length; start += batch, b++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    using var scope = torch.NewDisposeScope();
                    var x = inputs.narrow(0, start, Math.Min(batch, images.Length - start));
                    var target = torch.tensor(labels[b], dtype: ScalarType.Int64, device: x.device);
                    randomisation.AddRange(ParameterRandomisation.Similarity(maps[b], SaliencyMaps.FromAttribution(method.Attribute(model, x, target)).detach()));
                }
            return new MethodCheck
            {
                Method = name, Images = images, Randomisation = randomisation, Deletion = deletion, Insertion = insertion,
                MillisecondsPerMap = milliseconds / images.Length,
            };
        }
        finally
        {
            foreach (var m in maps) m.Dispose();
        }
    }

    /// <summary>Runs the checks not yet in <paramref name="directory"/>'s checks.jsonl and returns all of them. The
    /// model is randomised in place for the sanity check and restored after each method.</summary>
    public static IReadOnlyList<MethodCheck> Run(Classifier model, AuditPlan plan, SweepMethodFactory methods, string directory,
        IProgress<ProgressUpdate>? progress, CancellationToken cancellation)
    {
        using var log = JsonLinesLog<MethodCheck>.Open(Path.Combine(directory, FileName), Json,
            "Delete checks.jsonl to run the checks again (the attacks are kept).");
        var expected = plan.Inputs.Indices.ToArray();
        var done = log.Records.Where(r => r.Images.SequenceEqual(expected)).Select(r => r.Method).ToHashSet();
        var todo = plan.GridMethods.Where(m => !done.Contains(m)).ToList();
        int finished = plan.GridMethods.Count - todo.Count;
        foreach (string name in todo)
        {
            cancellation.ThrowIfCancellationRequested();
            progress?.Report(new ProgressUpdate("checks", finished, plan.GridMethods.Count, $"{name}: sanity check, deletion and insertion",
                Resumed: plan.GridMethods.Count - todo.Count));
            log.Append(Check(model, plan, methods(name, plan.Sweep.IgSteps), name, expected, cancellation));
            finished++;
        }
        progress?.Report(new ProgressUpdate("checks", finished, plan.GridMethods.Count, Resumed: plan.GridMethods.Count - todo.Count));
        var latest = log.Records.Where(r => r.Images.SequenceEqual(expected)).GroupBy(r => r.Method).ToDictionary(g => g.Key, g => g.Last());
        return plan.GridMethods.Select(m => latest[m]).ToList();
    }
}
