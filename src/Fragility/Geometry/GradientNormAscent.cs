using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// An empirical local Lipschitz constant of the class score: the largest input-gradient norm
/// <c>max ||grad_x score_y(x')||_2</c> found over x' in the L-infinity ball of radius eps around x (inside [0, 1]),
/// by projected sign ascent on <c>||grad_x score_y||^2</c>:
/// <c>x_{t+1} = clip_[0,1](x0 + clip(x_t + alpha sign(grad_x ||g||^2) - x0, -eps, eps))</c>, y the clean label.
/// The ascent direction needs second derivatives and is therefore taken on the softplus(beta) twin, while the norm
/// of every iterate is measured on the model as it is (like Algorithm 1 of the attacks); the largest norm seen,
/// the clean input included, is returned. A lower bound of the local Lipschitz constant of score_y in L2 (units:
/// score per unit of [0, 1] input).
/// </summary>
public static class GradientNormAscent
{
    /// <summary>Per image, the input-gradient norm at x0 and the largest one found in the ball.</summary>
    /// <param name="model">The classifier (its activation mode is used for the measured norms, and restored).</param>
    /// <param name="inputs">Clean inputs [N, C, H, W], pixel scale.</param>
    /// <param name="target">Class per input [N] (int64), usually the predicted label.</param>
    /// <param name="settings">Epsilon and step (0-255 scale), iterations and beta of the twin.</param>
    public static (double[] Clean, double[] Largest) Run(Classifier model, Tensor inputs, Tensor target, AttackSettings settings)
    {
        var p = model.Metadata.Preprocessing;
        settings.Validate(p.Height, p.Width);
        using var scope = torch.NewDisposeScope();
        var x0 = inputs.detach();
        var clean = Norms(model, x0, target);
        var best = (double[])clean.Clone();
        var x = x0.clone();
        for (int t = 0; t < settings.Iterations; t++)
        {
            using var step = torch.NewDisposeScope();
            Tensor direction;
            using (model.UseSoftplus(settings.Beta))
            using (torch.enable_grad())
            {
                var xr = x.detach().requires_grad_(true);
                var g = Gradients.OfClassScore(model, xr, target, createGraph: true);
                var objective = g.pow(2).sum();
                direction = objective.requires_grad
                    ? torch.autograd.grad([objective], [xr], allow_unused: true)[0]
                    : torch.zeros_like(xr);
                if (direction.IsInvalid) direction = torch.zeros_like(xr);
                direction = torch.nan_to_num(direction.detach(), 0.0, 0.0, 0.0);
            }
            var next = FragilityAttack.Project(x + direction.sign().mul(settings.StepUnit), x0, settings.EpsilonUnit);
            var norms = Norms(model, next, target);
            for (int i = 0; i < best.Length; i++) best[i] = Math.Max(best[i], norms[i]);
            x.copy_(next);
        }
        return (clean, best);
    }

    private static double[] Norms(Classifier model, Tensor x, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        var g = Gradients.OfClassScore(model, x, target, createGraph: false);
        return g.flatten(1).norm(1).to(ScalarType.Float64).cpu().data<double>().ToArray();
    }
}
