using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using MathNet.Numerics.Statistics;
using Fragility.Attacks;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Influence;

/// <summary>
/// Attacks exemplar explanations (Ghorbani, Abid and Zou, AAAI 2019; docs/method.md §5): perturbs a test image x_t so that
/// its current most helpful training points become less helpful, with the frozen network, head, Hessian and training
/// set fixed: <c>x_t + epsilon * sign(grad_x D)</c>, D = sum of the influence of the top-3 helpful points (or the same on
/// the normalised influence vector, <see cref="InfluenceObjective"/>); an iterative variant and a random-sign baseline.
/// Evaluation (influence vectors, labels) always uses the ReLU network.
/// </summary>
/// <remarks>
/// <para>Orientation: helpful points have I &lt; 0, so increasing D makes them less helpful (their removal would hurt the
/// test loss less).</para>
/// <para>The gradient needs no second derivative of the network: I(x) = -G H^-1 grad_theta L(z_t(x)) depends on x only
/// through phi(x), so grad_x D = J^T u with J the Jacobian of g_t = grad_theta L(z_t) in x and
/// u = dD/dg_t = -H^-1 G^T dD/dI: two inverse-Hessian-vector products and one backward pass. phi of a ReLU network is
/// piecewise linear in x with a non-zero gradient, so the ReLU network itself can be differentiated; the softplus twin
/// is an option (<see cref="InfluenceAttackOptions.SoftplusBeta"/>).</para>
/// <para>Metrics: Spearman correlation of the whole influence vectors before and after, how many of the original top-k
/// helpful points stay in the top k, the head's and the network's labels, the realised L-infinity size (0-255 units)
/// and the angle between grad_x of the test loss and the attack direction.</para>
/// <para>Admissible iterates keep the <b>head's</b> label (docs/method.md §4.1 checks the original network's): the head is the
/// model whose prediction the influence values explain, so its label is the one that must not change. The full
/// network's label is reported beside it.</para>
/// </remarks>
public sealed class InfluenceAttack
{
    private readonly PenultimateFeatures _features;
    private readonly InfluenceFunctions _influence;

    /// <summary>Creates the attack for a feature map and the influence functions of the head trained on it.</summary>
    public InfluenceAttack(PenultimateFeatures features, InfluenceFunctions influence)
    {
        if (features.Dimension != influence.Head.FeatureDimension)
            throw new ArgumentException($"features have {features.Dimension} dimensions, the head {influence.Head.FeatureDimension}", nameof(influence));
        _features = features;
        _influence = influence;
    }

    /// <summary>The frozen network.</summary>
    public Classifier Model => _features.Model;

    /// <summary>D for one influence vector and target set: sum_T I_i (raw) or sum_T I_i / ||I|| (normalised; 0 for a zero vector).</summary>
    public static double ObjectiveValue(IReadOnlyList<double> influence, IReadOnlyList<int> targets, InfluenceObjective objective)
    {
        double sum = targets.Sum(i => influence[i]);
        if (objective == InfluenceObjective.Raw) return sum;
        double norm = Math.Sqrt(influence.Sum(v => v * v));
        return norm == 0 ? 0 : sum / norm;
    }

    /// <summary>dD/dI: the indicator of T (raw), or 1_T/||I|| - (sum_T I_i) I/||I||^3 (normalised).</summary>
    public static double[] ObjectiveDerivative(IReadOnlyList<double> influence, IReadOnlyList<int> targets, InfluenceObjective objective)
    {
        var d = new double[influence.Count];
        if (objective == InfluenceObjective.Raw)
        {
            foreach (var i in targets) d[i] += 1;
            return d;
        }
        double norm2 = influence.Sum(v => v * v);
        if (norm2 == 0) return d;
        double norm = Math.Sqrt(norm2), sum = targets.Sum(i => influence[i]);
        for (int i = 0; i < d.Length; i++) d[i] = -sum * influence[i] / (norm2 * norm);
        foreach (var i in targets) d[i] += 1 / norm;
        return d;
    }

    /// <summary>
    /// D and grad_x D at <paramref name="images"/> (pixel scale, [B, C, H, W]) for test labels <paramref name="labels"/>.
    /// <paramref name="targets"/> gives T per input; null takes each input's current top <paramref name="topHelpful"/> helpful
    /// points. With <paramref name="softplusBeta"/> the gradient (and the influence returned) is that of the softplus twin.
    /// </summary>
    public InfluenceAttackGradient ObjectiveGradient(Tensor images, IReadOnlyList<int> labels, InfluenceObjective objective,
        IReadOnlyList<int[]>? targets = null, int topHelpful = 3, double? softplusBeta = null)
    {
        CheckBatch(images, labels);
        if (targets is not null && targets.Count != labels.Count) throw new ArgumentException("one target set per input is needed", nameof(targets));
        int batch = labels.Count, p = _influence.Head.ParameterCount;
        using var mode = softplusBeta is double beta ? Model.UseSoftplus(beta) : Model.UseRelu();
        using var scope = torch.NewDisposeScope();
        using var enable = torch.enable_grad();
        var x = images.detach().clone().requires_grad_(true);
        var phi = _features.Forward(x).to(ScalarType.Float64);
        var rows = Rows(phi.detach());
        var values = new double[batch];
        var used = new int[batch][];
        var vectors = new double[batch][];
        var u = new double[batch * p];
        for (int k = 0; k < batch; k++)
        {
            vectors[k] = _influence.Influence(rows[k], labels[k]);
            used[k] = targets?[k] ?? InfluenceFunctions.Rank(vectors[k], topHelpful).Helpful;
            values[k] = ObjectiveValue(vectors[k], used[k], objective);
            var uk = _influence.Solver.Solve(_influence.TrainingGradientsTransposeTimes(ObjectiveDerivative(vectors[k], used[k], objective)));
            for (int j = 0; j < p; j++) u[k * p + j] = -uk[j];
        }
        long[] network;
        using (torch.no_grad())
            network = _features.Logits(phi.detach().to(x.dtype)).argmax(1).cpu().data<long>().ToArray();
        var states = vectors.Select((v, k) => new InfluenceState(v, _influence.Head.Probabilities(rows[k]), (int)network[k])).ToArray();
        var gt = _influence.Head.LossGradient(phi, labels);
        var scalar = (gt * torch.tensor(u, new long[] { batch, p }, dtype: ScalarType.Float64)).sum();
        var grad = torch.autograd.grad([scalar], [x])[0].detach();
        return new InfluenceAttackGradient(values, used, vectors, grad.MoveToOuterDisposeScope(), states);
    }

    /// <summary>grad_x of the head's test loss -log p(label | phi(x)) (through the softplus twin when <paramref name="softplusBeta"/> is given).</summary>
    public Tensor TestLossGradient(Tensor images, IReadOnlyList<int> labels, double? softplusBeta = null)
    {
        CheckBatch(images, labels);
        using var mode = softplusBeta is double beta ? Model.UseSoftplus(beta) : Model.UseRelu();
        using var scope = torch.NewDisposeScope();
        using var enable = torch.enable_grad();
        var x = images.detach().clone().requires_grad_(true);
        var loss = _influence.Head.Loss(_features.Forward(x), labels).sum();
        return torch.autograd.grad([loss], [x])[0].detach().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Attacks a batch of test points at one epsilon.
    /// </summary>
    /// <param name="images">Clean test images [B, C, H, W], pixel scale [0, 1].</param>
    /// <param name="labels">Their task labels (the label of the explained test loss).</param>
    /// <param name="ids">An id per test point (e.g. its data-set index), reported and used to seed the random baseline.</param>
    /// <param name="epsilon">L-infinity budget in 0-255 units.</param>
    /// <param name="options">The attack.</param>
    public IReadOnlyList<InfluenceAttackOutcome> Run(Tensor images, IReadOnlyList<int> labels, IReadOnlyList<int> ids, double epsilon, InfluenceAttackOptions options)
    {
        options.Validate();
        CheckBatch(images, labels);
        if (ids.Count != labels.Count) throw new ArgumentException("one id per input is needed", nameof(ids));
        if (!(epsilon >= 0) || !double.IsFinite(epsilon)) throw new FragilityException($"Epsilon must be a non-negative number in 0-255 units, got {epsilon}.");
        int batch = labels.Count;
        double eps = epsilon / 255.0, alpha = options.StepSize / 255.0;
        using var scope = torch.NewDisposeScope();
        var x0 = images.detach();
        var clean = Evaluate(x0, labels);
        var keep = clean.Select(e => InfluenceFunctions.Rank(e.Influence, options.KeepTop).Helpful).ToArray();
        var origTargets = clean.Select(e => InfluenceFunctions.Rank(e.Influence, options.TopHelpful).Helpful).ToArray();
        var lossGrad = TestLossGradient(x0, labels, options.SoftplusBeta);

        Tensor adversarial;
        Tensor? attackGrad = null;
        var bestStep = Enumerable.Repeat(1, batch).ToArray();
        var failed = new bool[batch];
        switch (options.Kind)
        {
            case InfluenceAttackKind.RandomSign:
            {
                var signs = new float[x0.numel()];
                int per = (int)(x0.numel() / batch);
                var u = new double[per];
                for (int k = 0; k < batch; k++)
                {
                    // The project's random baseline: sign(u), u ~ N(0, I), from the input's own generator seeded by what the draw is for.
                    var rng = new MersenneTwister(AttackSeeds.For(options.Seed, ids[k], "influence", options.Name, epsilon), threadSafe: false);
                    Normal.Samples(rng, u, 0.0, 1.0);
                    for (int j = 0; j < per; j++) signs[k * per + j] = Math.Sign(u[j]);
                }
                var s = torch.tensor(signs, x0.shape, dtype: x0.dtype);
                adversarial = FragilityAttack.Project(x0 + eps * s, x0, eps);
                break;
            }
            case InfluenceAttackKind.SingleStep:
            {
                var g = ObjectiveGradient(x0, labels, options.Objective, null, options.TopHelpful, options.SoftplusBeta);
                attackGrad = g.Gradient;
                adversarial = FragilityAttack.Project(x0 + eps * attackGrad.sign(), x0, eps);
                break;
            }
            default:
            {
                var g0 = ObjectiveGradient(x0, labels, options.Objective, null, options.TopHelpful, options.SoftplusBeta);
                attackGrad = g0.Gradient;
                // Through the ReLU network the gradient pass at an iterate already evaluates it (same phi): no second forward pass.
                bool reuse = options.SoftplusBeta is null;
                var x = x0;
                var best = x0.clone();
                var bestCriterion = Enumerable.Repeat(double.PositiveInfinity, batch).ToArray();
                Array.Fill(bestStep, 0);
                Array.Fill(failed, true);
                void Consider(Tensor iterate, IReadOnlyList<InfluenceState> states, int step)
                {
                    for (int k = 0; k < batch; k++)
                    {
                        if (!states[k].HeadLabelKept(labels[k])) continue;
                        double c = Spearman(clean[k].Influence, states[k].Influence);
                        if (c < bestCriterion[k])
                        {
                            bestCriterion[k] = c;
                            bestStep[k] = step;
                            failed[k] = false;
                            using var row = best[k];
                            using var src = iterate[k];
                            row.copy_(src);
                        }
                    }
                }
                for (int step = 1; step <= options.Steps; step++)
                {
                    using var stepScope = torch.NewDisposeScope();
                    Tensor grad;
                    if (step == 1) grad = attackGrad;
                    else
                    {
                        // The paper's objective keeps the clean input's top set; re-picking it is an option.
                        var gs = ObjectiveGradient(x, labels, options.Objective, options.RepickTargets ? null : origTargets, options.TopHelpful, options.SoftplusBeta);
                        grad = gs.Gradient;
                        if (reuse) Consider(x, gs.States, step - 1);
                    }
                    var next = FragilityAttack.Project(x + alpha * grad.sign(), x0, eps);
                    if (!reuse) Consider(next, Evaluate(next, labels), step);
                    if (!ReferenceEquals(x, x0)) x.Dispose();
                    x = next.MoveToOuterDisposeScope();
                }
                if (reuse) Consider(x, Evaluate(x, labels), options.Steps);
                if (!ReferenceEquals(x, x0)) x.Dispose();
                adversarial = best;
                break;
            }
        }

        var after = Evaluate(adversarial, labels);
        var delta = adversarial - x0;
        var linf = delta.abs().flatten(1).max(1).values.to(ScalarType.Float64).cpu().data<double>().ToArray();
        var anglePerturbation = Angles(lossGrad, delta);
        var angleGradient = attackGrad is null ? Enumerable.Repeat(double.NaN, batch).ToArray() : Angles(lossGrad, attackGrad);
        var pixels = adversarial.to(ScalarType.Float32).flatten(1).cpu().data<float>().ToArray();
        long size = adversarial.numel() / batch;
        var outcomes = new InfluenceAttackOutcome[batch];
        for (int k = 0; k < batch; k++)
        {
            var topAfter = InfluenceFunctions.Rank(after[k].Influence, options.KeepTop).Helpful;
            outcomes[k] = new InfluenceAttackOutcome
            {
                Attack = options.Name, Epsilon = epsilon, TestId = ids[k],
                Spearman = Spearman(clean[k].Influence, after[k].Influence),
                TopKept = topAfter.Intersect(keep[k]).Count(),
                HeadLabelKept = after[k].HeadLabelKept(labels[k]),
                NetworkLabelKept = after[k].NetworkLabel == clean[k].NetworkLabel,
                LinfRealized = linf[k] * 255.0,
                AngleGradientDegrees = angleGradient[k], AnglePerturbationDegrees = anglePerturbation[k],
                Failed = failed[k], BestStep = bestStep[k],
                ProbabilityBefore = clean[k].Probabilities[labels[k]], ProbabilityAfter = after[k].Probabilities[labels[k]],
                ObjectiveBefore = ObjectiveValue(clean[k].Influence, origTargets[k], options.Objective),
                ObjectiveAfter = ObjectiveValue(after[k].Influence, origTargets[k], options.Objective),
                TopBefore = keep[k], TopAfter = topAfter,
                TopBeforeValues = keep[k].Select(i => clean[k].Influence[i]).ToArray(),
                TopAfterValues = topAfter.Select(i => after[k].Influence[i]).ToArray(),
                InfluenceAfter = after[k].Influence,
                Perturbed = pixels.AsSpan((int)(k * size), (int)size).ToArray(),
            };
        }
        return outcomes;
    }

    /// <summary>Influence vectors, head probabilities and labels, and the network's labels at <paramref name="images"/>, on the ReLU network.</summary>
    public IReadOnlyList<InfluenceState> Evaluate(Tensor images, IReadOnlyList<int> labels)
    {
        CheckBatch(images, labels);
        double[][] rows;
        long[] network;
        using (Model.UseRelu())
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            // One forward pass: phi, then the network's logits from phi.
            var phi = _features.Forward(images);
            rows = Rows(phi.to(ScalarType.Float64));
            network = _features.Logits(phi).argmax(1).cpu().data<long>().ToArray();
        }
        return rows.Select((phi, k) => new InfluenceState(_influence.Influence(phi, labels[k]), _influence.Head.Probabilities(phi), (int)network[k])).ToArray();
    }

    /// <summary>Spearman's rank correlation with average ranks for ties (MathNet; the influence vectors are float64, so
    /// the float32 map metric is not used), clamped to [-1, 1]; 1 for two constant vectors, 0 when only one is constant.</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        bool ca = a.All(v => v == a[0]), cb = b.All(v => v == b[0]);
        if (ca || cb) return ca && cb ? 1 : 0;
        return Math.Clamp(Correlation.Spearman(a, b), -1, 1);
    }

    private static double[] Angles(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        var x = a.to(ScalarType.Float64).flatten(1);
        var y = b.to(ScalarType.Float64).flatten(1);
        var dot = (x * y).sum(1).cpu().data<double>().ToArray();
        var nx = x.norm(1).cpu().data<double>().ToArray();
        var ny = y.norm(1).cpu().data<double>().ToArray();
        return dot.Select((d, k) => nx[k] == 0 || ny[k] == 0 ? double.NaN : Math.Acos(Math.Clamp(d / (nx[k] * ny[k]), -1, 1)) * 180 / Math.PI).ToArray();
    }

    private static double[][] Rows(Tensor phi64)
    {
        var flat = phi64.contiguous().cpu().data<double>().ToArray();
        int b = (int)phi64.shape[0], d = (int)phi64.shape[1];
        return Enumerable.Range(0, b).Select(k => flat.AsSpan(k * d, d).ToArray()).ToArray();
    }

    private void CheckBatch(Tensor images, IReadOnlyList<int> labels)
    {
        var p = Model.Metadata.Preprocessing;
        if (images.dim() != 4 || images.shape[1] != p.Channels || images.shape[2] != p.Height || images.shape[3] != p.Width)
            throw new ArgumentException($"images must be [B, {p.Channels}, {p.Height}, {p.Width}], got [{string.Join(",", images.shape)}]", nameof(images));
        if (images.shape[0] != labels.Count) throw new ArgumentException($"{images.shape[0]} images but {labels.Count} labels", nameof(labels));
        if (labels.Count == 0) throw new ArgumentException("empty batch", nameof(labels));
        foreach (var l in labels)
            if (l < 0 || l >= _influence.Head.Classes) throw new FragilityException($"Test label {l} is outside the head's classes 0..{_influence.Head.Classes - 1}.");
    }
}
