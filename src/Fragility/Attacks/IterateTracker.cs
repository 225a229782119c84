using Fragility.Attribution;
using Fragility.Metrics;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// Steps 2-4 of Algorithm 1, shared by every attack: evaluates each iterate on the ORIGINAL ReLU network (label and
/// the evaluation method's map against the clean map), treats a changed label as inadmissible, and keeps each
/// input's best admissible iterate. With a criterion method (a cheaper integrated gradients, see
/// <see cref="CriterionQuadrature"/>) the iterates are scored with its maps against its own clean maps, and the
/// returned iterates' maps and criterion values are recomputed once at the end with the evaluation method, so
/// what is reported keeps the paper's definition.
/// </summary>
internal sealed class IterateTracker : IDisposable
{
    private readonly Classifier _model;
    private readonly IAttributionMethod _method;
    private readonly IAttributionMethod? _criterionMethod;
    private readonly Tensor? _criterionClean;
    private readonly CleanReference _clean;
    private readonly IMapComparison _metric;
    private readonly Tensor _best;
    private readonly Tensor _bestMaps;
    private readonly double[] _bestScore;
    private readonly double[] _bestCriterion;
    private readonly long[] _bestLabel;
    private readonly float[] _bestConfidence;

    /// <summary>Starts from the clean inputs; <paramref name="criterionMethod"/> scores the iterates, null meaning
    /// <paramref name="method"/> (the paper's).</summary>
    public IterateTracker(Classifier model, IAttributionMethod method, CleanReference clean, AttackSettings settings, IAttributionMethod? criterionMethod = null)
    {
        _model = model;
        _method = method;
        _clean = clean;
        _metric = MapRows.For(settings.Criterion, settings.ResolveK(clean.Height, clean.Width));
        _best = clean.Inputs.clone();
        if (criterionMethod is not null && !ReferenceEquals(criterionMethod, method))
        {
            _criterionMethod = criterionMethod;
            // Scored against its own clean maps: the quadrature's bias cancels, and an unchanged map scores as the clean one.
            _criterionClean = MapsOf(criterionMethod, clean.Inputs);
        }
        _bestMaps = (_criterionClean ?? clean.Maps).clone();
        int n = clean.Count;
        _bestScore = Enumerable.Repeat(double.PositiveInfinity, n).ToArray();
        _bestCriterion = new double[n];
        _bestLabel = clean.Labels.ToArray();
        _bestConfidence = clean.Confidence.ToArray();
    }

    /// <summary>Whether the label check takes the logits the criterion map's pass made instead of a forward pass of its
    /// own (default true; the benchmarks turn it off to measure the saving). The results are the same either way (tested).</summary>
    public bool LabelsFromMapPass { get; init; } = true;

    /// <summary>Evaluates iterate <paramref name="x"/> [N, C, H, W] and keeps, per input, the better of it and the best so
    /// far; <paramref name="observer"/> (if any) sees the evaluation as iterate number <paramref name="step"/>.
    /// <paramref name="maps"/>, when given, are the criterion method's maps of <paramref name="x"/> already made, and
    /// <paramref name="logits"/> the ReLU network's logits at <paramref name="x"/> if that pass made them.</summary>
    public void Consider(Tensor x, int step = 0, Action<AttackIterate>? observer = null, Tensor? maps = null, Tensor? logits = null)
    {
        using var scope = torch.NewDisposeScope();
        using var relu = _model.UseRelu();
        if (maps is null)
        {
            var (attribution, mapLogits) = (_criterionMethod ?? _method).AttributeWithLogits(_model, x, _clean.LabelTensor);
            maps = SaliencyMaps.FromAttribution(attribution).detach();
            logits = mapLogits;
        }
        // The label check reuses the logits of the map's own pass when it made them (bit for bit model.forward's).
        var (labels, confidence) = logits is not null && LabelsFromMapPass ? Predictions.FromLogits(logits) : Predictions.Of(_model, x);
        var values = Evaluate(_criterionClean ?? _clean.Maps, maps);
        var take = new bool[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            // A changed label makes the iterate inadmissible (criterion = worst); the search goes on from it anyway.
            double score = labels[i] == _clean.Labels[i] ? ToMinimise(values[i]) : double.PositiveInfinity;
            if (score < _bestScore[i])
            {
                take[i] = true;
                _bestScore[i] = score;
                _bestCriterion[i] = values[i];
                _bestLabel[i] = labels[i];
                _bestConfidence[i] = confidence[i];
            }
        }
        observer?.Invoke(new AttackIterate(step, x, maps, labels, confidence, values,
            labels.Select((label, i) => label == _clean.Labels[i]).ToArray()));
        if (!take.Any(t => t)) return;
        var mask = torch.tensor(take, device: x.device);
        using var noGrad = torch.no_grad();
        _best.copy_(torch.where(mask.view(-1, 1, 1, 1), x.detach(), _best));
        _bestMaps.copy_(torch.where(mask.view(-1, 1, 1), maps, _bestMaps));
    }

    /// <summary>The result: best admissible iterates, or the clean input for inputs with none.</summary>
    public AttackBatchResult Finish(string attack, IReadOnlyList<int> iterations)
    {
        using var scope = torch.NewDisposeScope();
        var identity = Evaluate(_clean.Maps, _clean.Maps);
        if (_criterionMethod is not null) Reevaluate();
        var linf = (_best - _clean.Inputs).abs().flatten(1).amax(1).mul(255.0).to(ScalarType.Float64).cpu().data<double>().ToArray();
        var outcomes = new AttackOutcome[_clean.Count];
        for (int i = 0; i < outcomes.Length; i++)
        {
            bool failed = double.IsPositiveInfinity(_bestScore[i]);
            outcomes[i] = new AttackOutcome(
                failed ? identity[i] : _bestCriterion[i], _clean.Labels[i], _bestLabel[i], _clean.Confidence[i], _bestConfidence[i],
                linf[i], failed, iterations[i]);
        }
        return new AttackBatchResult(attack, _best.clone().MoveToOuterDisposeScope(), _bestMaps.clone().MoveToOuterDisposeScope(), outcomes);
    }

    /// <summary>The returned iterates' maps and criterion values with the evaluation method, once (a failed input
    /// keeps its clean map).</summary>
    private void Reevaluate()
    {
        using var scope = torch.NewDisposeScope();
        var maps = MapsOf(_method, _best);
        var failed = torch.tensor(_bestScore.Select(double.IsPositiveInfinity).ToArray(), device: _best.device);
        using (torch.no_grad()) _bestMaps.copy_(torch.where(failed.view(-1, 1, 1), _clean.Maps, maps));
        var values = Evaluate(_clean.Maps, _bestMaps);
        for (int i = 0; i < values.Length; i++)
            if (!double.IsPositiveInfinity(_bestScore[i])) _bestCriterion[i] = values[i];
    }

    /// <summary>Maps of <paramref name="method"/> for the clean labels on the ReLU network, detached.</summary>
    private Tensor MapsOf(IAttributionMethod method, Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        using var relu = _model.UseRelu();
        return SaliencyMaps.FromAttribution(method.Attribute(_model, x, _clean.LabelTensor)).detach().MoveToOuterDisposeScope();
    }

    private double[] Evaluate(Tensor clean, Tensor maps) => MapRows.Compare(_metric, clean, maps);

    // Similarities are minimised by the attack, distances (the centre shift) maximised.
    private double ToMinimise(double value) => _metric.HigherMeansMoreSimilar ? value : -value;

    public void Dispose()
    {
        _best.Dispose();
        _bestMaps.Dispose();
        _criterionClean?.Dispose();
    }
}
