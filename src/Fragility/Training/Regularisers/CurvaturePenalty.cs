using System.Globalization;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Training.Regularisers;

/// <summary>
/// Curvature penalty by a finite difference of input gradients (Moosavi-Dezfooli, Fawzi, Uesato and Frossard 2019,
/// "Robustness via curvature regularization, and vice versa" (CURE); applied to explanations by Dombrowski et al.
/// 2019, who show the map of a perturbed input moves by about Hessian * delta, docs/method.md §6):
/// <code>P = lambda * mean_i || grad_x s_y(x_i + h v_i) - grad_x s_y(x_i) ||_2^2 / (h^2 d)</code>
/// where s_y is the class score (logit) of the true label, whose input gradient is the simple-gradient explanation,
/// v_i in {-1, +1}^d (see <see cref="CurvatureDirection"/>), h the step in pixel units (an L-infinity step of h/255 on
/// the [0, 1] scale) and d = C*H*W. To first order the term is ||H v||^2 / d, H the input Hessian of s_y, so it is on
/// the scale of <see cref="HessianNormPenalty"/> (whose expectation is ||H||_F^2 / d). Both gradients are taken on the
/// ReLU network as trained, where the difference measures how the gradient changes across linear regions; the
/// penalty is differentiated with respect to the weights by double backpropagation.
/// </summary>
public sealed class CurvaturePenalty : ITrainingRegulariser
{
    private readonly torch.Generator _generator;

    /// <summary>Creates the penalty.</summary>
    /// <param name="lambda">Strength lambda &gt;= 0 (unitless).</param>
    /// <param name="direction">Direction of the difference (default random signs).</param>
    /// <param name="step255">Step h in pixel units of the 0-255 scale, in (0, 255] (default 8, the attacks' largest epsilon).</param>
    /// <param name="seed">Seed of the random directions (each step draws new ones from one generator).</param>
    public CurvaturePenalty(double lambda, CurvatureDirection direction = CurvatureDirection.Random, double step255 = 8, long seed = 0)
    {
        TrainingRegularisers.CheckLambda(lambda);
        if (!(step255 > 0 && step255 <= 255))
            throw new FragilityException($"The curvature step h must be in (0, 255] pixel units of the 0-255 scale (default 8), got {step255.ToString(CultureInfo.InvariantCulture)}.");
        if (!Enum.IsDefined(direction)) throw new ArgumentOutOfRangeException(nameof(direction));
        Lambda = lambda;
        Direction = direction;
        Step255 = step255;
        Seed = seed;
        _generator = new torch.Generator((ulong)seed, torch.CPU);
    }

    /// <summary>Strength lambda.</summary>
    public double Lambda { get; }

    /// <summary>Direction of the finite difference.</summary>
    public CurvatureDirection Direction { get; }

    /// <summary>Step h in pixel units of the 0-255 scale.</summary>
    public double Step255 { get; }

    /// <summary>Seed of the random directions.</summary>
    public long Seed { get; }

    /// <inheritdoc />
    public string Name => TrainingRegularisers.Curvature;

    /// <inheritdoc />
    public Tensor Penalty(Classifier model, Tensor input, Tensor labels, Tensor logits)
    {
        using var scope = torch.NewDisposeScope();
        Tensor v;
        if (Direction == CurvatureDirection.Random)
            v = torch.randint(0, 2, input.shape, dtype: input.dtype, device: torch.CPU, generator: _generator).to(input.device).mul(2).sub(1);
        else
        {
            using var enable = torch.enable_grad();
            var x = input.detach().requires_grad_(true);
            var loss = nn.functional.cross_entropy(model.forward(x), labels, reduction: nn.Reduction.Sum);
            v = torch.autograd.grad([loss], [x])[0].sign();
        }
        return PenaltyAlong(model, input, labels, v).MoveToOuterDisposeScope();
    }

    /// <summary>The penalty for given directions <paramref name="direction"/> (same shape as <paramref name="input"/>,
    /// entries in {-1, 0, +1}), differentiable with respect to the weights.</summary>
    public Tensor PenaltyAlong(Classifier model, Tensor input, Tensor labels, Tensor direction)
    {
        if (!direction.shape.SequenceEqual(input.shape))
            throw new ArgumentException($"direction [{string.Join(",", direction.shape)}] must have the input's shape [{string.Join(",", input.shape)}]");
        using var scope = torch.NewDisposeScope();
        using var enable = torch.enable_grad();
        double h = Step255 / 255.0;
        long n = input.shape[0];
        // One batch of 2N inputs: the clean points and the stepped points.
        var both = torch.cat([input.detach(), input.detach() + direction.detach() * h], 0).requires_grad_(true);
        var score = model.forward(both).gather(1, torch.cat([labels, labels], 0).reshape(-1, 1)).sum();
        var g = torch.autograd.grad([score], [both], create_graph: true, retain_graph: true)[0];
        var difference = g.narrow(0, n, n) - g.narrow(0, 0, n);
        double d = input.numel() / n;
        return (difference.square().flatten(1).sum(1).mean() * (Lambda / (h * h * d))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"curvature(lambda={Lambda:R}, direction={(Direction == CurvatureDirection.Random ? "random" : "attack")}, h={Step255:R}/255, seed={Seed})");
}
