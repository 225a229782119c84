using Fragility.Models;
using static TorchSharp.torch;

namespace Fragility.Training;

/// <summary>An extra term added to the training loss (defences against fragile explanations, issue 10).</summary>
public interface ITrainingRegulariser
{
    /// <summary>Short name for metadata and reports.</summary>
    string Name { get; }

    /// <summary>The penalty for one batch (a scalar, differentiable w.r.t. the model's parameters).</summary>
    /// <param name="model">The model in training mode.</param>
    /// <param name="input">Pixel-scale batch [N, C, H, W].</param>
    /// <param name="labels">True labels [N].</param>
    /// <param name="logits">The model's logits for the batch (already computed).</param>
    Tensor Penalty(Classifier model, Tensor input, Tensor labels, Tensor logits);

    /// <summary>Called by <see cref="Trainer"/> after every optimiser step, outside the autograd graph: a constraint
    /// applied as a projection of the weights (e.g. a spectral-norm bound) goes here. Default: nothing.</summary>
    /// <param name="model">The model, in training mode, with the step's new weights.</param>
    void AfterStep(Classifier model) { }
}
