using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Geometry;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Experiments.Geometry;

/// <summary>
/// Transfer of attacks on explanations: the perturbations delta = x_adv - x found by attacking model A's explanation
/// (top-k or mass-center attack, its label kept on A) are applied to other models B (another seed, another architecture,
/// an imported model, a model trained on another data set of the same input size), and B's map at x + delta is compared
/// with B's map at x, for B's own predicted label at x; the baseline is random sign noise <c>eps sign(u)</c> of the same
/// epsilon (clipped to [0, 1]). A row for A itself gives the white-box reference. <see cref="Measure"/> gives the
/// numbers; <see cref="TransferWriter"/> writes <c>transfer.csv</c> (the table), <c>per-image/transfer.csv</c>,
/// <c>transfer.png</c> and <c>section.json</c>.
/// </summary>
public static class TransferExperiment
{
    /// <summary>Loads the target models B with their names: each path a model file, or "shipped" for the shipped model.
    /// The caller disposes the models.</summary>
    /// <exception cref="FragilityException">A model file does not exist (models loaded so far are disposed).</exception>
    public static IReadOnlyList<(Classifier Model, string Name)> LoadTargets(IReadOnlyList<string> paths)
    {
        var loaded = new List<(Classifier, string)>();
        try
        {
            foreach (var path in paths)
            {
                bool shipped = path.Equals("shipped", StringComparison.OrdinalIgnoreCase);
                if (!shipped && !File.Exists(path)) throw new FragilityException($"Target model '{path}' does not exist. Check --targets.");
                loaded.Add((ModelStore.Load(shipped ? null : path), shipped ? ModelStore.ShippedModelFile : Path.GetFileName(path)));
            }
            return loaded;
        }
        catch
        {
            foreach (var (m, _) in loaded) m.Dispose();
            throw;
        }
    }

    /// <summary>Attacks the source and compares every model's maps.</summary>
    /// <param name="source">Model A.</param>
    /// <param name="sourceName">Its file name.</param>
    /// <param name="targets">Models B with their file names; each must take A's input size.</param>
    /// <param name="inputs">Images (correctly classified by A).</param>
    /// <param name="attack">"topk" or "mass_center".</param>
    /// <param name="method">Explanation method (on A for the attack, on each B for the comparison).</param>
    /// <param name="settings">The attack's settings (epsilon, iterations, step, beta, k, seed).</param>
    /// <param name="batchSize">Images per batch.</param>
    /// <param name="progress">Receives "attack" and "targets" updates.</param>
    /// <param name="cancellation">Stops between batches.</param>
    public static TransferResult Measure(Classifier source, string sourceName, IReadOnlyList<(Classifier Model, string Name)> targets, SelectedInputs inputs,
        string attack, IAttributionMethod method, AttackSettings settings, int batchSize = 32, IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellation = default) =>
        Combine(source, sourceName, targets, inputs, attack, method, settings,
            [MeasureImages(source, sourceName, targets, inputs, attack, method, settings, batchSize, null, progress, cancellation)]);

    /// <summary>The attack and every model's comparison for the images <paramref name="images"/> only (whole batches;
    /// null: all), as the run over all images measures them: one process's part of a study split over processes.</summary>
    public static TransferPart MeasureImages(Classifier source, string sourceName, IReadOnlyList<(Classifier Model, string Name)> targets, SelectedInputs inputs,
        string attack, IAttributionMethod method, AttackSettings settings, int batchSize, (int Start, int Count)? images,
        IProgress<ProgressUpdate>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(inputs);
        var p = source.Metadata.Preprocessing;
        foreach (var (model, name) in targets)
        {
            var q = model.Metadata.Preprocessing;
            if (q.Channels != p.Channels || q.Height != p.Height || q.Width != p.Width)
                throw new FragilityException($"Target '{name}' takes {q.Channels}x{q.Height}x{q.Width} images but the source takes {p.Channels}x{p.Height}x{p.Width}: transfer needs the same input size.");
        }
        int k = settings.ResolveK(p.Height, p.Width);
        var attacker = AttackFactory.Create(attack, source, method, settings);
        var (first, end) = BatchRange.Of(inputs.Count, batchSize, images);
        int n = end - first;
        using var clean = inputs.Images.Images.narrow(0, first, n);
        using var adversarial = torch.zeros_like(clean);
        var sourceKept = new bool[n];
        progress?.Report(new ProgressUpdate("targets", 0, targets.Count + 1));   // announced, so that the whole work is known from the start
        for (int start = 0; start < n; start += batchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, n - start);
            using var scope = torch.NewDisposeScope();
            using var reference = CleanReference.Compute(source, method, clean.narrow(0, start, count));
            using var result = attacker.Run(reference, inputs.Indices.Skip(first + start).Take(count).ToArray(), cancellation);
            adversarial.narrow(0, start, count).copy_(result.Perturbed);
            for (int i = 0; i < count; i++) sourceKept[start + i] = !result.Outcomes[i].Failed;
            progress?.Report(new ProgressUpdate("attack", start + count, n));
        }
        // Drawn for all images and cut, so that each image gets the single run's noise.
        using var allNoisy = RandomSign(inputs.Images.Images, settings.EpsilonUnit, settings.Seed);
        using var noisy = allNoisy.narrow(0, first, n);

        var all = new List<(Classifier Model, string Name)> { (source, sourceName) };
        all.AddRange(targets);
        var perModel = new List<TransferImage[]>();
        for (int t = 0; t < all.Count; t++)
        {
            var (model, name) = all[t];
            var (topkA, rhoA, keptA) = Compare(model, method, clean, adversarial, k, batchSize);
            var (topkR, rhoR, keptR) = Compare(model, method, clean, noisy, k, batchSize);
            perModel.Add(Enumerable.Range(0, n).Select(i =>
                new TransferImage(name, inputs.Indices[first + i], topkA[i], topkR[i], rhoA[i], rhoR[i], keptA[i], keptR[i], sourceKept[i])).ToArray());
            progress?.Report(new ProgressUpdate("targets", t + 1, all.Count, name));
        }
        return new TransferPart(first, perModel);
    }

    /// <summary>The result of the parts <see cref="MeasureImages"/> measured: per model (the source first) the means
    /// over all images, and the per-image rows in image order.</summary>
    /// <exception cref="FragilityException">The parts do not cover the images exactly once.</exception>
    public static TransferResult Combine(Classifier source, string sourceName, IReadOnlyList<(Classifier Model, string Name)> targets, SelectedInputs inputs,
        string attack, IAttributionMethod method, AttackSettings settings, IReadOnlyList<TransferPart> parts)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(parts);
        var p = source.Metadata.Preprocessing;
        int n = inputs.Count;
        var all = new List<(Classifier Model, string Name)> { (source, sourceName) };
        all.AddRange(targets);
        var rows = new List<TransferRow>();
        var detail = new List<TransferImage>();
        for (int t = 0; t < all.Count; t++)
        {
            var (model, name) = all[t];
            var images = GeometryParts.Consecutive(parts.Select(part => (part.First, (IReadOnlyList<TransferImage>)part.PerModel[t])), n);
            string relation = t == 0 ? "source (white box)" : Relation(source.Metadata, model.Metadata);
            rows.Add(new TransferRow(name, relation, model.Metadata.Dataset, n, images.Select(r => r.TransferTopK).Average(), images.Select(r => r.RandomTopK).Average(),
                images.Select(r => r.TransferSpearman).Average(), images.Select(r => r.RandomSpearman).Average(),
                images.Count(r => r.TransferLabelKept) / (double)n, images.Count(r => r.RandomLabelKept) / (double)n));
            detail.AddRange(images);
        }
        return new TransferResult(sourceName, attack, method.Name, settings, settings.ResolveK(p.Height, p.Width), n, rows, detail);
    }

    /// <summary>Measures (<see cref="Measure"/>) and writes the folder <paramref name="outDir"/> (<see cref="TransferWriter"/>
    /// through <see cref="GeometryFiles.Write"/>).</summary>
    public static ExperimentSummary Run(Classifier source, string sourceName, IReadOnlyList<(Classifier Model, string Name)> targets, SelectedInputs inputs,
        string attack, IAttributionMethod method, AttackSettings settings, string outDir, int batchSize = 32, IProgress<ProgressUpdate>? progress = null,
        CancellationToken cancellation = default) =>
        GeometryFiles.Write(Measure(source, sourceName, targets, inputs, attack, method, settings, batchSize, progress, cancellation), outDir, new TransferWriter());

    /// <summary>How a target model relates to the source, from their metadata.</summary>
    private static string Relation(ModelMetadata a, ModelMetadata b)
    {
        if (!string.Equals(a.Dataset, b.Dataset, StringComparison.OrdinalIgnoreCase)) return "other data set";
        if (b.Command is string c && c.StartsWith("fragility import", StringComparison.Ordinal)) return "imported";
        if (a.Architecture != b.Architecture) return "other architecture";
        if (a.Activation != b.Activation) return "other activation";
        if (a.Seed != b.Seed) return "other seed";
        return "other training";
    }

    private static Tensor RandomSign(Tensor x, double eps, int seed)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator((ulong)seed + 7919, torch.CPU);
        var signs = torch.randn(x.shape, dtype: ScalarType.Float64, device: torch.CPU, generator: generator).sign().to(x.dtype, x.device);
        return (x + signs * eps).clamp(0.0, 1.0).MoveToOuterDisposeScope();
    }

    private static (double[] TopK, double[] Spearman, bool[] Kept) Compare(Classifier model, IAttributionMethod method, Tensor clean, Tensor perturbed, int k, int batchSize)
    {
        int n = (int)clean.shape[0];
        var topk = new List<double>(); var rho = new List<double>(); var kept = new List<bool>();
        var spearman = new SpearmanRankCorrelation();
        using var relu = model.UseRelu();
        for (int start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(batchSize, n - start);
            var x0 = clean.narrow(0, start, count);
            var x1 = perturbed.narrow(0, start, count);
            var labels0 = model.Predict(x0).Labels;
            var labels1 = model.Predict(x1).Labels;
            var target = torch.tensor(labels0, dtype: ScalarType.Int64);
            var m0 = SaliencyMaps.FromAttribution(method.Attribute(model, x0, target)).detach();
            var m1 = SaliencyMaps.FromAttribution(method.Attribute(model, x1, target)).detach();
            topk.AddRange(TopKIntersection.Batch(m0.flatten(1), m1.flatten(1), k));
            int h = (int)m0.shape[1], w = (int)m0.shape[2];
            var a = m0.to(ScalarType.Float32).contiguous().cpu().data<float>().ToArray();
            var b = m1.to(ScalarType.Float32).contiguous().cpu().data<float>().ToArray();
            for (int i = 0; i < count; i++)
            {
                rho.Add(spearman.Compare(a.AsSpan(i * h * w, h * w), b.AsSpan(i * h * w, h * w), h, w));
                kept.Add(labels0[i] == labels1[i]);
            }
        }
        return (topk.ToArray(), rho.ToArray(), kept.ToArray());
    }
}
