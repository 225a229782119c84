using System.Globalization;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Training.Regularisers;

/// <summary>
/// PGD adversarial training of the prediction (Madry, Makelov, Schmidt, Tsipras and Vladu 2018, "Towards deep learning
/// models resistant to adversarial attacks"), as the common comparator of the explanation defences. The term added
/// to the clean cross-entropy is <c>P = lambda * CE(f(x_adv), y)</c> (lambda = 1 gives the half-clean, half-adversarial
/// loss of Goodfellow et al. 2015), where x_adv maximises the cross-entropy in the L-infinity ball of radius epsilon by
/// projected gradient ascent: a uniform random start in the ball, then <see cref="Steps"/> steps
/// <c>x &lt;- clip_[0,1](x0 + clip(x + alpha * sign(grad_x CE) - x0, -eps, eps))</c>. x_adv is a constant for the
/// weight gradient (Danskin's theorem); the ascent takes gradients with respect to the input only, so it leaves the
/// weights' gradients untouched.
/// </summary>
public sealed class PgdAdversarialTraining : ITrainingRegulariser
{
    private readonly torch.Generator _generator;

    /// <summary>Creates the regulariser.</summary>
    /// <param name="lambda">Weight lambda &gt;= 0 of the adversarial loss (unitless; default use 1).</param>
    /// <param name="epsilon255">Radius of the ball in pixel units of the 0-255 scale, in (0, 255] (default 8).</param>
    /// <param name="steps">Ascent steps (default 5).</param>
    /// <param name="step255">Step alpha in pixel units of the 0-255 scale; null means 2.5 * epsilon / steps (Madry et al.).</param>
    /// <param name="seed">Seed of the random starts (each training step draws new ones from one generator).</param>
    public PgdAdversarialTraining(double lambda, double epsilon255 = 8, int steps = 5, double? step255 = null, long seed = 0)
    {
        TrainingRegularisers.CheckLambda(lambda);
        if (!(epsilon255 > 0 && epsilon255 <= 255))
            throw new FragilityException($"The PGD epsilon must be in (0, 255] pixel units of the 0-255 scale (default 8), got {epsilon255.ToString(CultureInfo.InvariantCulture)}.");
        if (steps < 1) throw new FragilityException($"PGD needs at least 1 step (default 5), got {steps}.");
        double alpha = step255 ?? 2.5 * epsilon255 / steps;
        if (!(alpha > 0 && double.IsFinite(alpha))) throw new FragilityException($"The PGD step must be a positive number of pixel units, got {alpha.ToString(CultureInfo.InvariantCulture)}.");
        Lambda = lambda;
        Epsilon255 = epsilon255;
        Steps = steps;
        Step255 = alpha;
        Seed = seed;
        _generator = new torch.Generator((ulong)seed, torch.CPU);
    }

    /// <summary>Weight lambda of the adversarial loss.</summary>
    public double Lambda { get; }

    /// <summary>Radius epsilon in pixel units of the 0-255 scale.</summary>
    public double Epsilon255 { get; }

    /// <summary>Ascent steps.</summary>
    public int Steps { get; }

    /// <summary>Ascent step alpha in pixel units of the 0-255 scale.</summary>
    public double Step255 { get; }

    /// <summary>Seed of the random starts.</summary>
    public long Seed { get; }

    /// <inheritdoc />
    public string Name => TrainingRegularisers.Pgd;

    /// <inheritdoc />
    public Tensor Penalty(Classifier model, Tensor input, Tensor labels, Tensor logits)
    {
        using var scope = torch.NewDisposeScope();
        var adversarial = Perturb(model, input, labels);
        var loss = nn.functional.cross_entropy(model.forward(adversarial), labels);
        return (loss * Lambda).MoveToOuterDisposeScope();
    }

    /// <summary>The PGD adversarial examples of <paramref name="input"/> (pixel scale) for <paramref name="labels"/>,
    /// detached; each call draws new random starts.</summary>
    public Tensor Perturb(Classifier model, Tensor input, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        double eps = Epsilon255 / 255.0, alpha = Step255 / 255.0;
        var x0 = input.detach();
        var start = torch.rand(input.shape, dtype: input.dtype, device: torch.CPU, generator: _generator).to(input.device).mul(2 * eps).sub(eps);
        var x = (x0 + start).clamp(0.0, 1.0);
        for (int t = 0; t < Steps; t++)
        {
            using var step = torch.NewDisposeScope();
            Tensor g;
            using (torch.enable_grad())
            {
                var xr = x.detach().requires_grad_(true);
                var loss = nn.functional.cross_entropy(model.forward(xr), labels, reduction: nn.Reduction.Sum);
                g = torch.autograd.grad([loss], [xr])[0];
            }
            using var noGrad = torch.no_grad();
            var next = (x0 + (x + g.sign() * alpha - x0).clamp(-eps, eps)).clamp(0.0, 1.0).MoveToOuterDisposeScope();
            x = next;
        }
        return x.detach().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"pgd(lambda={Lambda:R}, epsilon={Epsilon255:R}/255, steps={Steps}, alpha={Step255:R}/255, seed={Seed})");
}
