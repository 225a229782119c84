using System.Diagnostics;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Metrics;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Defences;

/// <summary>
/// Evaluates one row of the defence table on one model: per batch of the plan's images, the ADAPTIVE top-k attack at
/// every epsilon of the curve and the mass-center and random-sign attacks at the table's epsilon (through the defended
/// map itself), the transfer of the undefended row's perturbations, deletion and insertion AUC, the randomisation
/// check and the time per map; it returns the row's means with every image's values.
/// </summary>
internal sealed class DefenceRowEvaluator
{
    private readonly DefenceSettings _settings;
    private readonly Classifier _model;
    private readonly Classifier _randomised;
    private readonly Tensor _inputs;
    private readonly IReadOnlyList<int> _indices;
    private readonly int _k;

    /// <summary>An evaluator for the rows of <paramref name="model"/>.</summary>
    /// <param name="settings">Attacks and metrics.</param>
    /// <param name="model">The trained model (labels and criteria come from its ReLU network).</param>
    /// <param name="randomised">A fully randomised copy (<see cref="ParameterRandomisation"/>).</param>
    /// <param name="inputs">The plan's images [N, C, H, W], in the order of <paramref name="indices"/>.</param>
    /// <param name="indices">Their test-split indices.</param>
    /// <param name="k">k of top-k.</param>
    public DefenceRowEvaluator(DefenceSettings settings, Classifier model, Classifier randomised, Tensor inputs, IReadOnlyList<int> indices, int k)
    {
        _settings = settings;
        _model = model;
        _randomised = randomised;
        _inputs = inputs;
        _indices = indices;
        _k = k;
    }

    /// <summary>Evaluates the row of <paramref name="defended"/>, filling <paramref name="template"/>'s measured values.</summary>
    /// <param name="template">The row's identity and the model's values (<see cref="DefencePlan.Template"/>).</param>
    /// <param name="defended">The defended attribution method.</param>
    /// <param name="undefended">The undefended row's perturbed images by attack (transfer columns), or null for none.</param>
    /// <param name="keepAdversarial">Receives this row's perturbed images at the table's epsilon by attack (the caller
    /// disposes them), or null.</param>
    /// <param name="attackDone">Called after each attack.</param>
    /// <param name="cancellation">Checked before each attack.</param>
    public DefenceRowResult Evaluate(DefenceRow template, IAttributionMethod defended, IReadOnlyDictionary<string, Tensor>? undefended,
        Dictionary<string, Tensor>? keepAdversarial, Action attackDone, CancellationToken cancellation)
    {
        var results = new List<ImageResult>();
        var deletionBaseline = References.Create(_model, _settings.DeletionBaseline);
        var insertionBaseline = References.Create(_model, _settings.InsertionBaseline);
        double mapMilliseconds = 0;
        var adversarialParts = new Dictionary<string, List<Tensor>> { [AttackNames.TopK] = [], [AttackNames.MassCenter] = [] };
        try
        {
            for (int start = 0; start < _indices.Count; start += _settings.BatchSize)
            {
                int count = Math.Min(_settings.BatchSize, _indices.Count - start);
                var batchIndices = _indices.Skip(start).Take(count).ToArray();
                using var batch = _inputs.narrow(0, start, count);
                using var clean = CleanReference.Compute(_model, defended, batch);
                mapMilliseconds += TimeMaps(defended, clean);
                Attack(defended, clean, batch, batchIndices, results, adversarialParts, attackDone, cancellation);
                if (undefended is not null) Transfer(defended, clean, undefended, start, batchIndices, results);
                Faithfulness(defended, clean, batchIndices, deletionBaseline, insertionBaseline, results);
            }
            if (keepAdversarial is not null)
                foreach (var (attack, parts) in adversarialParts) keepAdversarial[attack] = torch.cat(parts, 0);
        }
        finally
        {
            foreach (var t in adversarialParts.Values.SelectMany(p => p)) t.Dispose();
        }
        return new DefenceRowResult(Aggregate(template, results, mapMilliseconds / _indices.Count), results);
    }

    /// <summary>The adaptive attacks on one batch; the top-k (at the table's epsilon) and mass-center perturbations are
    /// added to <paramref name="adversarialParts"/>.</summary>
    private void Attack(IAttributionMethod defended, CleanReference clean, Tensor batch, int[] batchIndices, List<ImageResult> results,
        Dictionary<string, List<Tensor>> adversarialParts, Action attackDone, CancellationToken cancellation)
    {
        double table = _settings.TableEpsilon;
        // The adaptive attack differentiates the defended map itself; SmoothGrad's noise is fixed to the very
        // samples its evaluation draws for this batch (same seed, same shape).
        var gradientMethod = defended is SmoothGrad sg ? sg.WithNoise(sg.DrawNoise(batch)) : defended;
        try
        {
            foreach (double eps in _settings.CurveEpsilons)
            {
                cancellation.ThrowIfCancellationRequested();
                var attack = FragilityAttack.TopK(_model, defended, _settings.Attack(eps, AttackCriterion.TopK), gradientMethod);
                using var result = attack.Run(clean, batchIndices, cancellation);
                Record(results, batchIndices, AttackNames.TopK, eps, clean, result);
                if (eps == table) adversarialParts[AttackNames.TopK].Add(result.Perturbed.detach().clone());
                attackDone();
            }
            cancellation.ThrowIfCancellationRequested();
            var mass = FragilityAttack.MassCenter(_model, defended, _settings.Attack(table, AttackCriterion.CenterShift), gradientMethod);
            using (var result = mass.Run(clean, batchIndices, cancellation))
            {
                Record(results, batchIndices, AttackNames.MassCenter, table, clean, result);
                adversarialParts[AttackNames.MassCenter].Add(result.Perturbed.detach().clone());
            }
            attackDone();
            var random = new RandomSignPerturbation(_model, defended, _settings.Attack(table, AttackCriterion.TopK));
            using (var result = random.Run(clean, batchIndices, cancellation)) Record(results, batchIndices, AttackNames.Random, table, clean, result);
            attackDone();
        }
        finally
        {
            if (!ReferenceEquals(gradientMethod, defended) && gradientMethod is SmoothGrad fixedNoise) fixedNoise.FixedNoise?.Dispose();
        }
    }

    /// <summary>The non-adaptive attack: the undefended map's perturbations of this batch, evaluated on the defended map.</summary>
    private void Transfer(IAttributionMethod defended, CleanReference clean, IReadOnlyDictionary<string, Tensor> undefended, int start, int[] batchIndices,
        List<ImageResult> results)
    {
        int count = batchIndices.Length;
        foreach (var (attack, images) in undefended)
        {
            using var scope = torch.NewDisposeScope();
            using var relu = _model.UseRelu();
            var maps = SaliencyMaps.FromAttribution(defended.Attribute(_model, images.narrow(0, start, count), clean.LabelTensor)).detach();
            var (topk, spearman, shift) = MapPairs.All(clean.Maps, maps, _k);
            for (int i = 0; i < count; i++)
                results.Add(new ImageResult(batchIndices[i], "transfer_" + attack, _settings.TableEpsilon, topk[i], spearman[i], shift[i], false));
        }
    }

    /// <summary>Deletion and insertion AUC and the randomisation check on the clean images of this batch.</summary>
    private void Faithfulness(IAttributionMethod defended, CleanReference clean, int[] batchIndices, IReference deletionBaseline, IReference insertionBaseline,
        List<ImageResult> results)
    {
        using var scope = torch.NewDisposeScope();
        using var relu = _model.UseRelu();
        var (deletion, insertion) = DeletionInsertion.Auc(_model, clean.Inputs, clean.Maps, clean.Labels, deletionBaseline, insertionBaseline, _settings.FaithfulnessSteps);
        using var randomRelu = _randomised.UseRelu();
        var randomMaps = SaliencyMaps.FromAttribution(defended.Attribute(_randomised, clean.Inputs, clean.LabelTensor)).detach();
        var similarity = ParameterRandomisation.Similarity(clean.Maps, randomMaps);
        for (int i = 0; i < batchIndices.Length; i++)
            results.Add(new ImageResult(batchIndices[i], "clean", 0, 1, 1, 0, false, deletion[i], insertion[i], similarity[i]));
    }

    /// <summary>Milliseconds to compute the batch's maps once more (the clean reference has warmed every code path up).</summary>
    private double TimeMaps(IAttributionMethod method, CleanReference clean)
    {
        using var scope = torch.NewDisposeScope();
        using var relu = _model.UseRelu();
        var clock = Stopwatch.StartNew();
        method.Attribute(_model, clean.Inputs, clean.LabelTensor);
        return clock.Elapsed.TotalMilliseconds;
    }

    private void Record(List<ImageResult> results, int[] images, string attack, double eps, CleanReference clean, AttackBatchResult result)
    {
        var (topk, spearman, shift) = MapPairs.All(clean.Maps, result.PerturbedMaps, _k);
        for (int i = 0; i < images.Length; i++)
            results.Add(new ImageResult(images[i], attack, eps, topk[i], spearman[i], shift[i], result.Outcomes[i].Failed));
    }

    /// <summary>The row's means over the images of each attack (the table at its epsilon, the curve at each).</summary>
    private DefenceRow Aggregate(DefenceRow template, List<ImageResult> results, double msPerMap)
    {
        double table = _settings.TableEpsilon;
        IEnumerable<ImageResult> Of(string attack, double eps) => results.Where(r => r.Attack == attack && r.Epsilon == eps);
        double Mean(IEnumerable<double> values) { var a = values.ToArray(); return a.Length == 0 ? double.NaN : a.Average(); }
        var topk = Of(AttackNames.TopK, table).ToArray();
        var mass = Of(AttackNames.MassCenter, table).ToArray();
        var clean = results.Where(r => r.Attack == "clean").ToArray();
        return template with
        {
            TopKAfterTopK = Mean(topk.Select(r => r.TopK)), SpearmanAfterTopK = Mean(topk.Select(r => r.Spearman)), ShiftAfterTopK = Mean(topk.Select(r => r.CenterShift)),
            TopKAfterMassCenter = Mean(mass.Select(r => r.TopK)), SpearmanAfterMassCenter = Mean(mass.Select(r => r.Spearman)), ShiftAfterMassCenter = Mean(mass.Select(r => r.CenterShift)),
            LabelKept = Mean(topk.Concat(mass).Select(r => r.Failed ? 0.0 : 1.0)),
            TopKAfterRandom = Mean(Of(AttackNames.Random, table).Select(r => r.TopK)),
            TopKAfterTransferTopK = Mean(Of("transfer_" + AttackNames.TopK, table).Select(r => r.TopK)),
            ShiftAfterTransferMassCenter = Mean(Of("transfer_" + AttackNames.MassCenter, table).Select(r => r.CenterShift)),
            DeletionAuc = Mean(clean.Select(r => r.Deletion)), InsertionAuc = Mean(clean.Select(r => r.Insertion)),
            RandomisationSpearman = Mean(clean.Select(r => r.Randomisation)),
            MillisecondsPerMap = msPerMap,
            TopKCurve = _settings.CurveEpsilons.ToDictionary(e => e, e => Mean(Of(AttackNames.TopK, e).Select(r => r.TopK))),
        };
    }
}
