using Fragility.Attribution;
using Fragility.Attribution.Propagation;
using Fragility.Models;
using Fragility.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// The iterative attack on explanations (Algorithm 1 of Ghorbani, Abid and Zou, AAAI 2019; docs/method.md §4.1). From the
/// clean input x0, for t = 0..P-1:
/// <code>x_{t+1} = clip_[0,1]( x0 + clip( x_t + alpha * sign(grad_x D(x_t)) - x0, -eps, +eps ) )</code>
/// then x_{t+1} is evaluated on the ORIGINAL ReLU network: if its predicted label differs from the clean label it is
/// inadmissible (the iteration still continues from it), else its map is compared with the clean map by the
/// criterion. The admissible iterate with the best criterion is returned; with none the attack fails and returns x0.
/// </summary>
/// <remarks>
/// grad_x D is a second derivative of the network for gradient-based maps, which is zero almost everywhere on a ReLU
/// network; it is therefore taken on the softplus(beta) twin (every ReLU switched to softplus, same weights) when the
/// method says <see cref="IAttributionMethod.NeedsSmoothTwinForAttack"/>, else (DeepLIFT, relevance propagation) on
/// the ReLU network itself. The gradient may use a cheaper instance of the method (e.g. integrated gradients with
/// fewer path points) than the criterion's evaluation method, and the criterion may score the iterates with a cheaper
/// instance too (<see cref="CriterionQuadrature"/>; the returned iterate's map is still the evaluation method's).
/// Inputs of a batch are attacked independently; an input whose iterate stops changing (zero gradient) stops counting
/// iterations, and the loop ends early when all have.
/// </remarks>
public sealed class FragilityAttack : IMapAttack
{
    private readonly Classifier _model;
    private readonly IAttributionMethod _evaluationMethod;
    private readonly IAttributionMethod _gradientMethod;
    private readonly IAttributionMethod? _criterionMethod;
    private readonly Func<CleanReference, IDissimilarityObjective> _objective;

    /// <summary>Creates an attack with any objective.</summary>
    /// <param name="name">Attack name for results.</param>
    /// <param name="model">The classifier (ReLU network; the twin is the same model switched to softplus).</param>
    /// <param name="evaluationMethod">Method whose maps are attacked and compared (the criterion's map).</param>
    /// <param name="objective">Builds D bound to a batch's clean reference.</param>
    /// <param name="settings">Epsilon, step, iterations, k, beta, criterion.</param>
    /// <param name="gradientMethod">Method differentiated for grad_x D; default <paramref name="evaluationMethod"/>.</param>
    /// <param name="criterionMethod">Method whose maps score the iterates; default <paramref name="evaluationMethod"/>
    /// (the paper's). The returned iterate's map and criterion value are always the evaluation method's.</param>
    public FragilityAttack(string name, Classifier model, IAttributionMethod evaluationMethod,
        Func<CleanReference, IDissimilarityObjective> objective, AttackSettings settings, IAttributionMethod? gradientMethod = null,
        IAttributionMethod? criterionMethod = null)
    {
        _criterionMethod = criterionMethod;
        Name = name;
        _model = model;
        _evaluationMethod = evaluationMethod;
        _gradientMethod = gradientMethod ?? evaluationMethod;
        _objective = objective;
        Settings = settings;
        var p = model.Metadata.Preprocessing;
        settings.Validate(p.Height, p.Width);
    }

    /// <summary>The top-k attack (D = -sum_{p in B} S_p(x), B = top-k pixels of the clean map; k from the settings).</summary>
    public static FragilityAttack TopK(Classifier model, IAttributionMethod evaluationMethod, AttackSettings settings, IAttributionMethod? gradientMethod = null,
        IAttributionMethod? criterionMethod = null) =>
        new(AttackNames.TopK, model, evaluationMethod, c => new TopKObjective(c.Maps, settings.ResolveK(c.Height, c.Width)), settings, gradientMethod, criterionMethod);

    /// <summary>The mass-center attack (D = ||C(x) - C(x0)||_2).</summary>
    public static FragilityAttack MassCenter(Classifier model, IAttributionMethod evaluationMethod, AttackSettings settings, IAttributionMethod? gradientMethod = null,
        IAttributionMethod? criterionMethod = null) =>
        new(AttackNames.MassCenter, model, evaluationMethod, c => new MassCenterObjective(c.Maps), settings, gradientMethod, criterionMethod);

    /// <summary>The targeted attack (D = sum_{p in T} S_p(x)).</summary>
    public static FragilityAttack Targeted(Classifier model, IAttributionMethod evaluationMethod, AttackSettings settings, TargetRegion target, IAttributionMethod? gradientMethod = null,
        IAttributionMethod? criterionMethod = null) =>
        new(AttackNames.Targeted, model, evaluationMethod, c =>
        {
            using var mask = target.ToMask(c.Height, c.Width, c.Maps.device);
            return new TargetedObjective(mask);
        }, settings, gradientMethod, criterionMethod);

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public AttackSettings Settings { get; }

    /// <inheritdoc />
    public AttackBatchResult Run(CleanReference clean, IReadOnlyList<int>? imageIndices = null, CancellationToken cancellation = default) =>
        Run(clean, imageIndices, null, cancellation);

    /// <inheritdoc />
    public AttackBatchResult Run(CleanReference clean, IReadOnlyList<int>? imageIndices, Action<AttackIterate>? observer, CancellationToken cancellation = default)
    {
        Settings.Validate(clean.Height, clean.Width);
        int n = clean.Count;
        using var objective = _objective(clean);
        using var tracker = new IterateTracker(_model, _evaluationMethod, clean, Settings, _criterionMethod) { LabelsFromMapPass = LabelsFromMapPass };
        var iterations = new int[n];
        var moving = Enumerable.Repeat(true, n).ToArray();
        double eps = Settings.EpsilonUnit, alpha = Settings.StepUnit;
        using var x = clean.Inputs.clone();
        // Methods attacked through the ReLU network itself (DeepLIFT, LRP) make, for the gradient of step t, the very map
        // the criterion scores iterate t with: that map is taken from the gradient's pass instead of being made twice.
        bool share = ShareMaps && !_gradientMethod.NeedsSmoothTwinForAttack && SameMaps(_gradientMethod, _criterionMethod ?? _evaluationMethod);
        // Every step sends the same reference (zero, a mean image) through the same layers: that pass is made once.
        using var tape = new ReferenceTape();
        var gradientMethod = ReuseReferencePass && _gradientMethod is IReferencePropagation p ? p.WithTape(tape) : _gradientMethod;
        int steps = 0;
        for (int t = 0; t < Settings.Iterations && moving.Any(m => m); t++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var gradient = ObjectiveGradient(gradientMethod, x, clean.LabelTensor, objective, out var maps, out var logits);
            // An observer may keep what it is shown; x changes in place below, so it is shown a copy.
            if (share && t > 0) tracker.Consider(observer is null ? x : x.clone(), t, observer, maps, logits);
            Tensor next;
            using (torch.no_grad())
                next = Project(x + gradient.sign().mul(alpha), clean.Inputs, eps);
            var moved = next.ne(x).flatten(1).any(1).cpu().data<bool>().ToArray();
            for (int i = 0; i < n; i++)
            {
                if (!moving[i]) continue;
                if (moved[i]) iterations[i]++;
                else moving[i] = false;   // deterministic: a still iterate stays still
            }
            if (!share) tracker.Consider(next, t + 1, observer);
            using (torch.no_grad()) x.copy_(next);
            steps = t + 1;
            if (steps % NativeMemory.Interval == 0) NativeMemory.ReturnFreed();
        }
        // With shared maps the last iterate has had no gradient pass of its own.
        if (share && steps > 0) tracker.Consider(x, steps, observer);
        return tracker.Finish(Name, iterations);
    }

    /// <summary>
    /// grad_x D(x) for each input of <paramref name="x"/> [N, C, H, W]: the map of the gradient method for class
    /// <paramref name="target"/>, made with createGraph on the softplus(beta) twin (or the ReLU network for methods
    /// that do not need it), post-processed by <see cref="SaliencyMaps.FromAttribution"/>, then D, differentiated by
    /// double backpropagation. Zero where D does not depend on x. The model's activation mode is restored.
    /// </summary>
    public Tensor ObjectiveGradient(Tensor x, Tensor target, IDissimilarityObjective objective)
    {
        var g = ObjectiveGradient(_gradientMethod, x, target, objective, out var maps, out var logits);
        maps.Dispose();
        logits?.Dispose();
        return g;
    }

    /// <summary>Whether the ReLU-network methods take the criterion's maps from the gradient's pass (default true; the
    /// attacks benchmark turns it off to measure the saving). The results are the same either way (tested).</summary>
    public bool ShareMaps { get; init; } = true;

    /// <summary>Whether an iterate's label check takes the logits its criterion map's pass made (gradient, DeepLIFT and
    /// relevance maps make them on the way) instead of a forward pass of its own (default true; the benchmarks turn it
    /// off to measure the saving). The results are the same either way (tested).</summary>
    public bool LabelsFromMapPass { get; init; } = true;

    /// <summary>Whether DeepLIFT's reference goes through the network once per run rather than at every step (default
    /// true; the pytorch benchmark turns it off to measure the saving). The results are the same either way (tested).</summary>
    public bool ReuseReferencePass { get; init; } = true;

    // Two method instances make the same maps when they are one object or describe the same settings.
    private static bool SameMaps(IAttributionMethod a, IAttributionMethod b) => ReferenceEquals(a, b) || a.Description == b.Description;

    /// <summary><see cref="ObjectiveGradient(Tensor, Tensor, IDissimilarityObjective)"/>, also returning the gradient
    /// method's maps of <paramref name="x"/> (detached) and the logits of the network it ran (null when the pass did not
    /// make them), made on the way.</summary>
    private Tensor ObjectiveGradient(IAttributionMethod gradientMethod, Tensor x, Tensor target, IDissimilarityObjective objective, out Tensor maps, out Tensor? logits)
    {
        using var scope = torch.NewDisposeScope();
        using var mode = gradientMethod.NeedsSmoothTwinForAttack ? _model.UseSoftplus(Settings.Beta) : _model.UseRelu();
        using var enable = torch.enable_grad();
        var input = x.detach().requires_grad_(true);
        var (attribution, passLogits) = gradientMethod.AttributeWithLogits(_model, input, target, createGraph: true);
        var graphMaps = SaliencyMaps.FromAttribution(attribution);
        maps = graphMaps.detach().MoveToOuterDisposeScope();
        logits = passLogits?.MoveToOuterDisposeScope();
        var d = objective.Evaluate(graphMaps);
        // A D that does not depend on x (e.g. a linear model's gradient map) has no graph; autograd.grad would abort.
        if (!d.requires_grad) return torch.zeros_like(x).MoveToOuterDisposeScope();
        var g = torch.autograd.grad([d.sum()], [input], allow_unused: true)[0];
        if (g.IsInvalid) return torch.zeros_like(x).MoveToOuterDisposeScope();
        // A NaN gradient (e.g. a saturated map) gives no direction instead of a NaN image.
        return torch.nan_to_num(g.detach(), 0.0, 0.0, 0.0).MoveToOuterDisposeScope();
    }

    /// <summary>The projection of Algorithm 1: into the L-infinity ball of radius <paramref name="eps"/> (pixel
    /// scale) around <paramref name="x0"/>, then into [0, 1].</summary>
    public static Tensor Project(Tensor candidate, Tensor x0, double eps)
    {
        using var scope = torch.NewDisposeScope();
        return (x0 + (candidate - x0).clamp(-eps, eps)).clamp(0.0, 1.0).MoveToOuterDisposeScope();
    }
}
