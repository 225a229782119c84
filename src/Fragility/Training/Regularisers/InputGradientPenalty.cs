using System.Globalization;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Training.Regularisers;

/// <summary>
/// Input-gradient norm penalty, "double backpropagation" (Drucker and LeCun 1992, "Improving generalization
/// performance using double backpropagation"; Ross and Doshi-Velez 2018, "Improving the adversarial robustness and
/// interpretability of deep neural networks by regularizing their input gradients"):
/// <c>P = lambda * mean_i || d CE(f(x_i), y_i) / d x_i ||_2^2</c>, the gradient taken with respect to the
/// pixel-scale input in [0, 1] and differentiated again with respect to the weights (create_graph). Works on the
/// ReLU network as trained: the input gradient depends on the weights even where it is piecewise constant in x.
/// </summary>
public sealed class InputGradientPenalty : ITrainingRegulariser
{
    /// <summary>Creates the penalty.</summary>
    /// <param name="lambda">Strength lambda &gt;= 0 (unitless).</param>
    public InputGradientPenalty(double lambda)
    {
        TrainingRegularisers.CheckLambda(lambda);
        Lambda = lambda;
    }

    /// <summary>Strength lambda.</summary>
    public double Lambda { get; }

    /// <inheritdoc />
    public string Name => TrainingRegularisers.InputGradient;

    /// <inheritdoc />
    public Tensor Penalty(Classifier model, Tensor input, Tensor labels, Tensor logits)
    {
        using var scope = torch.NewDisposeScope();
        using var enable = torch.enable_grad();
        var x = input.detach().requires_grad_(true);
        // Summed (not averaged) losses, so that each input's gradient is that of its own loss.
        var loss = nn.functional.cross_entropy(model.forward(x), labels, reduction: nn.Reduction.Sum);
        var g = torch.autograd.grad([loss], [x], create_graph: true, retain_graph: true)[0];
        return (g.square().flatten(1).sum(1).mean() * Lambda).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"input_gradient(lambda={Lambda:R})");
}
