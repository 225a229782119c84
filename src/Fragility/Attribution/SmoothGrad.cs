using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>
/// SmoothGrad (Smilkov et al. 2017, "SmoothGrad: removing noise by adding noise") around any attribution method:
/// the mean of the method's attributions at <see cref="Samples"/> noisy copies x + n_s, n_s ~ N(0, sigma^2 I), or,
/// with <see cref="Squared"/>, the mean of their squares (SmoothGrad-squared; Hooker et al. 2019). Sigma is given in
/// the 0-255 pixel scale; the default 38.25 is 15% of the input range, inside Smilkov et al.'s recommended 10-20%.
/// The noisy copies are not clipped to the valid range (as in the paper). Noise is drawn from a fresh
/// torch.Generator seeded with <see cref="Seed"/> on every call, so the map is a deterministic function of x; an
/// attack that must reuse the same samples can also fix them with <see cref="WithNoise"/>. Differentiable in x with
/// createGraph whenever the wrapped method is.
/// </summary>
public sealed class SmoothGrad : IAttributionMethod
{
    /// <summary>Default noise standard deviation on the 0-255 scale: 0.15 of the range.</summary>
    public const double DefaultSigma255 = 0.15 * 255;

    /// <summary>Creates the method.</summary>
    /// <param name="inner">The wrapped method (default <see cref="SimpleGradient"/>).</param>
    /// <param name="samples">Number of noisy samples (default 50).</param>
    /// <param name="sigma255">Noise standard deviation on the 0-255 scale (default 38.25 = 15% of the range).</param>
    /// <param name="squared">Average squared attributions (SmoothGrad-squared) instead of attributions.</param>
    /// <param name="seed">Seed of the noise generator.</param>
    /// <param name="internalBatchSize">Most noisy inputs passed to the wrapped method at once (default 32).</param>
    /// <param name="noise">Fixed noise [samples, N, C, H, W] in pixel scale (already multiplied by sigma), or null to
    /// draw it on every call.</param>
    public SmoothGrad(IAttributionMethod? inner = null, int samples = 50, double sigma255 = DefaultSigma255, bool squared = false,
        long seed = 0, int internalBatchSize = 32, Tensor? noise = null)
    {
        if (samples < 1) throw new FragilityException($"SmoothGrad needs at least 1 noise sample (--smoothgrad-samples), got {samples}.");
        if (!(sigma255 >= 0 && double.IsFinite(sigma255))) throw new FragilityException($"SmoothGrad's noise sigma must be a non-negative number on the 0-255 scale (--smoothgrad-sigma), got {sigma255}.");
        if (internalBatchSize < 1) throw new FragilityException($"SmoothGrad's internal batch size must be at least 1, got {internalBatchSize}.");
        if (noise is not null && (noise.dim() != 5 || noise.shape[0] != samples))
            throw new FragilityException($"Fixed SmoothGrad noise must be [samples={samples}, N, C, H, W], got [{string.Join(",", noise.shape)}]. Use DrawNoise to make it.");
        Inner = inner ?? new SimpleGradient();
        Samples = samples;
        Sigma255 = sigma255;
        Squared = squared;
        Seed = seed;
        InternalBatchSize = internalBatchSize;
        FixedNoise = noise;
    }

    /// <summary>The wrapped method.</summary>
    public IAttributionMethod Inner { get; }

    /// <summary>Number of noisy samples.</summary>
    public int Samples { get; }

    /// <summary>Noise standard deviation on the 0-255 scale (divide by 255 for pixel scale [0, 1]).</summary>
    public double Sigma255 { get; }

    /// <summary>True for SmoothGrad-squared (mean of squared attributions).</summary>
    public bool Squared { get; }

    /// <summary>Seed of the per-call noise generator.</summary>
    public long Seed { get; }

    /// <summary>Most noisy inputs per call of the wrapped method.</summary>
    public int InternalBatchSize { get; }

    /// <summary>The fixed noise [samples, N, C, H, W] in pixel scale, or null when drawn per call.</summary>
    public Tensor? FixedNoise { get; }

    /// <inheritdoc />
    public string Name => "smoothgrad";

    /// <inheritdoc />
    public string Description => FormattableString.Invariant(
        $"smoothgrad{(Squared ? "_sq" : "")}({Inner.Description}, n={Samples}, sigma={Sigma255}/255, seed={Seed}{(FixedNoise is null ? "" : ", fixed noise")})");

    /// <inheritdoc />
    public bool NeedsSmoothTwinForAttack => Inner.NeedsSmoothTwinForAttack;

    /// <summary>The noise this method adds to <paramref name="input"/> [N, C, H, W]: sigma255/255 times standard
    /// normal samples [samples, N, C, H, W] from a generator seeded with <see cref="Seed"/> (same seed, same noise).</summary>
    public Tensor DrawNoise(Tensor input)
    {
        if (input.dim() != 4) throw new ArgumentException($"input must be [N,C,H,W], got [{string.Join(",", input.shape)}]");
        using var generator = new torch.Generator((ulong)Seed, input.device);
        using var standard = torch.randn([Samples, .. input.shape], dtype: input.dtype, device: input.device, generator: generator);
        return standard.mul(Sigma255 / 255.0);
    }

    /// <summary>The same method with the noise fixed to <paramref name="noise"/> [samples, N, C, H, W] (pixel scale),
    /// e.g. from <see cref="DrawNoise"/>, so that repeated calls (attack iterations) use identical samples.</summary>
    public SmoothGrad WithNoise(Tensor noise) => new(Inner, Samples, Sigma255, Squared, Seed, InternalBatchSize, noise);

    /// <inheritdoc />
    public Tensor Attribute(Classifier model, Tensor input, Tensor target, bool createGraph = false)
    {
        Gradients.CheckTarget(model, input, target);
        using var scope = torch.NewDisposeScope();
        var x = createGraph ? input : input.detach();
        var noise = FixedNoise ?? DrawNoise(x);
        if (!noise.shape.Skip(1).SequenceEqual(x.shape))
            throw new FragilityException($"Fixed SmoothGrad noise [{string.Join(",", noise.shape)}] does not fit the input batch [{string.Join(",", x.shape)}]. Draw it for this batch with DrawNoise.");
        long n = x.shape[0];
        var noisy = (x.unsqueeze(0) + noise.to(x.dtype, x.device)).reshape([Samples * n, .. x.shape.Skip(1)]);
        var targets = target.repeat(Samples);
        var sum = torch.zeros_like(x);
        for (long start = 0; start < Samples * n; start += InternalBatchSize)
        {
            using var chunkScope = torch.NewDisposeScope();
            long length = Math.Min(InternalBatchSize, Samples * n - start);
            var a = Inner.Attribute(model, noisy.narrow(0, start, length), targets.narrow(0, start, length), createGraph);
            if (Squared) a = a.square();
            // Row start + k is sample (start + k) / n of input (start + k) % n.
            var inputIndex = torch.arange(start, start + length, device: x.device).remainder(n);
            var next = sum.index_add(0, inputIndex, a, 1).MoveToOuterDisposeScope();
            sum.Dispose();
            sum = next;
        }
        var mean = sum / Samples;
        if (!createGraph) mean = mean.detach();
        return mean.MoveToOuterDisposeScope();
    }
}
