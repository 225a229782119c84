using Fragility.Attribution;
using Fragility.Models;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Random;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// The random baseline of Ghorbani et al. (docs/method.md §4.4). Single draw (default): <c>x0 + eps * sign(u)</c>,
/// u ~ N(0, I), one draw per input, clipped to [0, 1]; it fails (returning x0) when the draw changes the label.
/// Walk (the paper's reference code): P steps <c>x_{t+1} = clip_[0,1](x0 + clip(x_t + alpha * sign(u_t) - x0, -eps, eps))</c>
/// with fresh u_t, keeping the admissible iterate with the best criterion, like <see cref="FragilityAttack"/>.
/// </summary>
/// <remarks>
/// Each input draws from its own generator (MathNet's Mersenne Twister, platform-independent) seeded by
/// <see cref="AttackSeeds.For"/> from the base seed, the input's data-set index, the method, the attack name and
/// epsilon, never from batch position or processing order.
/// </remarks>
public sealed class RandomSignPerturbation : IMapAttack
{
    private readonly Classifier _model;
    private readonly IAttributionMethod _evaluationMethod;

    /// <summary>Creates the baseline.</summary>
    /// <param name="model">The classifier (ReLU network).</param>
    /// <param name="evaluationMethod">Method whose maps are compared; its name also seeds the draws.</param>
    /// <param name="settings">Epsilon, seed, criterion; step and iterations for the walk.</param>
    /// <param name="walk">True for the random-sign walk of P steps, false for one draw.</param>
    public RandomSignPerturbation(Classifier model, IAttributionMethod evaluationMethod, AttackSettings settings, bool walk = false)
    {
        _model = model;
        _evaluationMethod = evaluationMethod;
        Settings = settings;
        Walk = walk;
        var p = model.Metadata.Preprocessing;
        settings.Validate(p.Height, p.Width);
    }

    /// <summary>True for the walk variant.</summary>
    public bool Walk { get; }

    /// <inheritdoc />
    public string Name => Walk ? AttackNames.RandomWalk : AttackNames.Random;

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
        imageIndices ??= Enumerable.Range(0, n).ToArray();
        if (imageIndices.Count != n) throw new ArgumentException($"{imageIndices.Count} image indices for {n} inputs");
        var generators = imageIndices
            .Select(i => new MersenneTwister(AttackSeeds.For(Settings.Seed, i, _evaluationMethod.Name, Name, Settings.Epsilon), threadSafe: false))
            .ToArray();
        using var tracker = new IterateTracker(_model, _evaluationMethod, clean, Settings);
        double eps = Settings.EpsilonUnit;
        int steps = Walk ? Settings.Iterations : 1;
        double size = Walk ? Settings.StepUnit : eps;
        using var x = clean.Inputs.clone();
        for (int t = 0; t < steps; t++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var signs = Signs(generators, x.shape, x.device);
            Tensor next;
            using (torch.no_grad()) next = FragilityAttack.Project(x + signs.mul(size), clean.Inputs, eps);
            tracker.Consider(next, t + 1, observer);
            using (torch.no_grad()) x.copy_(next);
        }
        return tracker.Finish(Name, Enumerable.Repeat(steps, n).ToArray());
    }

    /// <summary>sign(u), u ~ N(0, I), one row of draws per input from that input's own generator, on <paramref name="device"/>.</summary>
    private static Tensor Signs(MersenneTwister[] generators, long[] shape, Device device)
    {
        int per = (int)(shape[1] * shape[2] * shape[3]);
        var values = new float[generators.Length * per];
        var u = new double[per];
        for (int i = 0; i < generators.Length; i++)
        {
            Normal.Samples(generators[i], u, 0.0, 1.0);
            for (int j = 0; j < per; j++) values[i * per + j] = Math.Sign(u[j]);
        }
        return torch.tensor(values, shape, device: device);
    }
}
