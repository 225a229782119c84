using System.Globalization;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Training.Regularisers;

/// <summary>
/// Weight decay as a loss term (Krogh and Hertz 1992, "A simple weight decay can improve generalization"):
/// <c>P = lambda / 2 * sum_theta ||theta||^2</c> over every parameter (weights and biases), whose gradient
/// <c>lambda * theta</c> is what Adam's own <c>weight_decay</c> (<see cref="TrainingOptions.WeightDecay"/>) adds.
/// Dombrowski et al. 2019 ("Explanations can be manipulated and geometry is to blame", §4) bound the curvature of
/// the explanation by the weight norms, which makes weight decay a defence of explanations.
/// </summary>
public sealed class WeightDecayPenalty : ITrainingRegulariser
{
    /// <summary>Creates the penalty.</summary>
    /// <param name="lambda">Strength lambda &gt;= 0 (unitless; 5e-4 is a common value).</param>
    public WeightDecayPenalty(double lambda)
    {
        TrainingRegularisers.CheckLambda(lambda);
        Lambda = lambda;
    }

    /// <summary>Strength lambda.</summary>
    public double Lambda { get; }

    /// <inheritdoc />
    public string Name => TrainingRegularisers.WeightDecay;

    /// <inheritdoc />
    public Tensor Penalty(Classifier model, Tensor input, Tensor labels, Tensor logits)
    {
        using var scope = torch.NewDisposeScope();
        Tensor sum = torch.zeros([], dtype: logits.dtype, device: logits.device);
        foreach (var p in model.parameters())
            if (p.requires_grad) sum = sum + p.square().sum();
        return (sum * (Lambda / 2)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"weight_decay(lambda={Lambda:R})");
}
