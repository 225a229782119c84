using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution;

/// <summary>Shared autograd machinery: input gradients of class scores, with or without a kept graph, and the
/// input checks every method runs before any native call.</summary>
public static class Gradients
{
    /// <summary>
    /// d score_target / d x for each input of the batch, shape of <paramref name="input"/>. When
    /// <paramref name="createGraph"/> is true and <paramref name="input"/> already requires grad, the result stays
    /// connected to the caller's graph (double backpropagation).
    /// </summary>
    public static Tensor OfClassScore(Classifier model, Tensor input, Tensor target, bool createGraph)
    {
        var (gradient, logits) = OfClassScoreWithLogits(model, input, target, createGraph);
        logits.Dispose();
        return gradient;
    }

    /// <summary><see cref="OfClassScore"/>, also returning the logits [N, classes] of its forward pass (detached).</summary>
    public static (Tensor Gradient, Tensor Logits) OfClassScoreWithLogits(Classifier model, Tensor input, Tensor target, bool createGraph)
    {
        CheckTarget(model, input, target);
        using var scope = torch.NewDisposeScope();
        Tensor x = input.requires_grad ? input : input.detach().requires_grad_(true);
        // Under torch.no_grad callers still need gradients here.
        using var enable = torch.enable_grad();
        var logits = model.forward(x);
        var score = logits.gather(1, target.reshape(-1, 1)).sum();
        var g = torch.autograd.grad([score], [x], create_graph: createGraph, retain_graph: createGraph)[0];
        if (!createGraph) g = g.detach();
        return (g.MoveToOuterDisposeScope(), logits.detach().MoveToOuterDisposeScope());
    }

    /// <summary>Class scores (logits) of <paramref name="target"/> per input, shape [N].</summary>
    public static Tensor ClassScore(Classifier model, Tensor input, Tensor target)
    {
        CheckTarget(model, input, target);
        using var scope = torch.NewDisposeScope();
        return model.forward(input).gather(1, target.reshape(-1, 1)).reshape(-1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Validates input geometry and dtype against the model, and target shape and range, before any native autograd
    /// call (those abort the process on error instead of throwing).
    /// </summary>
    public static void CheckTarget(Classifier model, Tensor input, Tensor target)
    {
        CheckInput(model, input);
        if (target.dim() != 1 || target.shape[0] != input.shape[0])
            throw new ArgumentException($"target must be [N] with N = {input.shape[0]}, got [{string.Join(",", target.shape)}]");
        if (target.dtype != ScalarType.Int64) throw new ArgumentException("target must be int64");
        if (target.numel() > 0)
        {
            long lo = target.min().item<long>(), hi = target.max().item<long>();
            if (lo < 0 || hi >= model.ClassCount)
                throw new FragilityException($"Target class {(lo < 0 ? lo : hi)} is out of range: the model has {model.ClassCount} classes (0..{model.ClassCount - 1}).");
        }
    }

    /// <summary>Validates that <paramref name="input"/> is [N, C, H, W] of the model's geometry and floating dtype.</summary>
    public static void CheckInput(Classifier model, Tensor input)
    {
        if (input.dim() != 4) throw new ArgumentException($"input must be [N,C,H,W], got [{string.Join(",", input.shape)}]");
        var p = model.Metadata.Preprocessing;
        if (input.shape[1] != p.Channels || input.shape[2] != p.Height || input.shape[3] != p.Width)
            throw new FragilityException($"Model '{model.Metadata.Architecture}' expects images of {p.Channels}x{p.Height}x{p.Width} (channels x height x width), got [{string.Join("x", input.shape.Skip(1))}]. Use a data set of that size, or import/train a model for this size.");
        var parameter = model.parameters().FirstOrDefault();
        if (parameter is not null && parameter.dtype != input.dtype)
            throw new FragilityException($"Input dtype {input.dtype} differs from the model's {parameter.dtype}; convert one of them (input.to({parameter.dtype}) or model.to({input.dtype})).");
    }
}
