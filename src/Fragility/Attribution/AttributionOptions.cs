namespace Fragility.Attribution;

/// <summary>Settings of the attribution methods made by <see cref="AttributionMethods.Create"/>; every default is
/// the method's own.</summary>
public sealed record AttributionOptions
{
    /// <summary>Reference for grad_x_input, ig and deeplift; null means <see cref="ZeroReference"/>. The project's
    /// default is the data set's mean image (docs/method.md §2.5): callers that have the data pass a
    /// <see cref="MeanImageReference"/>.</summary>
    public IReference? Reference { get; init; }

    /// <summary>Integrated gradients: number of path points M (default 100).</summary>
    public int IgSteps { get; init; } = 100;

    /// <summary>Integrated gradients: integration rule (default the paper's right Riemann sum).</summary>
    public IntegrationRule IgRule { get; init; } = IntegrationRule.RiemannRight;

    /// <summary>SmoothGrad: number of noisy samples (default 50).</summary>
    public int SmoothGradSamples { get; init; } = 50;

    /// <summary>SmoothGrad: noise standard deviation on the 0-255 scale (default 38.25 = 15% of the range).</summary>
    public double SmoothGradSigma255 { get; init; } = SmoothGrad.DefaultSigma255;

    /// <summary>SmoothGrad: average squared attributions (SmoothGrad-squared).</summary>
    public bool SmoothGradSquared { get; init; }

    /// <summary>Epsilon-LRP stabiliser (default 0.25).</summary>
    public double LrpEpsilon { get; init; } = Attribution.LrpEpsilon.DefaultEpsilon;

    /// <summary>Seed of random noise (SmoothGrad).</summary>
    public long Seed { get; init; }

    /// <summary>Most inputs (path points, noisy samples) per forward/backward pass (default 32).</summary>
    public int InternalBatchSize { get; init; } = 32;
}
