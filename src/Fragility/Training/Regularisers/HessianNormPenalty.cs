using System.Globalization;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Training.Regularisers;

/// <summary>
/// Hutchinson estimate of the squared Frobenius norm of the input Hessian of the class score, from Hessian-vector
/// products (Hutchinson 1989; for input curvature see Moosavi-Dezfooli et al. 2019 and Dombrowski et al. 2019/2022):
/// <code>P = lambda * mean_i (1/S) sum_s || H_i v_s ||_2^2 / d,   E_v[ ||H v||^2 ] = ||H||_F^2 for v in {-1, +1}^d</code>
/// with H_i = d^2 s_y / dx^2 at x_i, s_y the logit of the true label, S Rademacher samples per input and step, and
/// d = C*H*W. A ReLU network's Hessian is zero almost everywhere, so H is taken on its softplus(beta) twin (the same
/// weights, every ReLU switched to softplus with <see cref="Beta"/>; larger beta is closer to the ReLU network that
/// is evaluated). H v is a double backward pass; its norm is differentiated once more with respect to the weights.
/// </summary>
public sealed class HessianNormPenalty : ITrainingRegulariser
{
    private readonly torch.Generator _generator;

    /// <summary>Creates the penalty.</summary>
    /// <param name="lambda">Strength lambda &gt;= 0 (unitless).</param>
    /// <param name="beta">Softplus beta of the twin on which the Hessian is taken (default 10).</param>
    /// <param name="samples">Rademacher vectors S per input and step (default 1).</param>
    /// <param name="seed">Seed of the vectors (each step draws new ones from one generator).</param>
    public HessianNormPenalty(double lambda, double beta = 10, int samples = 1, long seed = 0)
    {
        TrainingRegularisers.CheckLambda(lambda);
        if (!(beta > 0 && double.IsFinite(beta))) throw new FragilityException($"The softplus beta of the Hessian penalty must be positive, got {beta.ToString(CultureInfo.InvariantCulture)}.");
        if (samples < 1) throw new FragilityException($"The Hessian penalty needs at least 1 Hutchinson sample, got {samples}.");
        Lambda = lambda;
        Beta = beta;
        Samples = samples;
        Seed = seed;
        _generator = new torch.Generator((ulong)seed, torch.CPU);
    }

    /// <summary>Strength lambda.</summary>
    public double Lambda { get; }

    /// <summary>Softplus beta of the twin.</summary>
    public double Beta { get; }

    /// <summary>Hutchinson samples per input and step.</summary>
    public int Samples { get; }

    /// <summary>Seed of the Rademacher vectors.</summary>
    public long Seed { get; }

    /// <inheritdoc />
    public string Name => TrainingRegularisers.Hessian;

    /// <inheritdoc />
    public Tensor Penalty(Classifier model, Tensor input, Tensor labels, Tensor logits)
    {
        using var scope = torch.NewDisposeScope();
        var v = torch.randint(0, 2, [Samples, .. input.shape], dtype: input.dtype, device: torch.CPU, generator: _generator).to(input.device).mul(2).sub(1);
        return PenaltyAlong(model, input, labels, v).MoveToOuterDisposeScope();
    }

    /// <summary>The penalty for given probe vectors <paramref name="probes"/> [S, N, C, H, W], differentiable with
    /// respect to the weights. The model's activation mode is restored afterwards.</summary>
    public Tensor PenaltyAlong(Classifier model, Tensor input, Tensor labels, Tensor probes)
    {
        if (probes.dim() != 5 || !probes.shape.Skip(1).SequenceEqual(input.shape))
            throw new ArgumentException($"probes must be [S, {string.Join(",", input.shape)}], got [{string.Join(",", probes.shape)}]");
        using var scope = torch.NewDisposeScope();
        using var twin = model.UseSoftplus(Beta);
        using var enable = torch.enable_grad();
        long s = probes.shape[0], n = input.shape[0];
        var x = input.detach().requires_grad_(true);
        var score = model.forward(x).gather(1, labels.reshape(-1, 1)).sum();
        var g = torch.autograd.grad([score], [x], create_graph: true, retain_graph: true)[0];
        Tensor total = torch.zeros([], dtype: input.dtype, device: input.device);
        for (long k = 0; k < s; k++)
        {
            var hv = torch.autograd.grad([(g * probes[k]).sum()], [x], create_graph: true, retain_graph: true)[0];
            total = total + hv.square().flatten(1).sum(1).mean();
        }
        double d = input.numel() / n;
        return (total * (Lambda / (s * d))).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"hessian(lambda={Lambda:R}, beta={Beta:R}, samples={Samples}, seed={Seed})");
}
