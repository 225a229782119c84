using Fragility.Attribution;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// The Hessian of the class score with respect to the input, <c>H(x) = d^2 score_y / dx^2</c> per image, as an operator:
/// Hessian-vector products by double backpropagation (Pearlmutter's trick), never a dense matrix. One forward pass and
/// one backward pass with create_graph build the gradient <c>g = d score_y / dx</c> once; each product
/// <c>H v = d (g . v) / dx</c> is then one more backward pass through the kept graph.
/// </summary>
/// <remarks>
/// Scores of a batch do not interact, so one product of the batch gives every image's own <c>H_i v_i</c>. The model is
/// evaluated in whatever activation mode it is in when the operator is created: switch it to its softplus twin first
/// (<see cref="Classifier.UseSoftplus"/>), because a ReLU network's input Hessian is zero almost everywhere (docs/method.md §6).
/// Products of such a network are zeros, not errors.
/// </remarks>
public sealed class InputHessian : ILinearOperator, IDisposable
{
    private readonly Tensor _input;
    private readonly Tensor _gradient;
    private readonly bool _curved;

    /// <summary>Builds the operator at <paramref name="input"/> [N, C, H, W] (pixel scale) for class
    /// <paramref name="target"/> [N] (int64).</summary>
    public InputHessian(Classifier model, Tensor input, Tensor target)
    {
        Gradients.CheckTarget(model, input, target);
        using var scope = torch.NewDisposeScope();
        using var enable = torch.enable_grad();
        var x = input.detach().clone().requires_grad_(true);
        var score = model.forward(x).gather(1, target.reshape(-1, 1)).sum();
        var gradient = torch.autograd.grad([score], [x], create_graph: true, retain_graph: true)[0];
        // A network without curvature (ReLU, linear) gives a gradient with no graph back to x; autograd.grad
        // would abort the process on it, so products are zeros instead.
        _curved = gradient.requires_grad;
        // Owned by this object, not by any scope: the autograd graph keeps its own references to what it saved.
        _input = x.DetachFromDisposeScope();
        _gradient = gradient.DetachFromDisposeScope();
        Gradient = gradient.detach().DetachFromDisposeScope();
    }

    /// <summary>Number of images.</summary>
    public long Count => _input.shape[0];

    /// <summary>Values per image (C * H * W), the size of each image's Hessian.</summary>
    public long Dimension => _input[0].numel();

    /// <inheritdoc />
    public bool IsSymmetric => true;

    /// <summary>The input gradient <c>d score_y / dx</c> [N, C, H, W] at the operator's point (detached; valid until the
    /// operator is disposed).</summary>
    public Tensor Gradient { get; }

    /// <summary>Number of Hessian-vector products computed so far (for benchmarks).</summary>
    public long Products { get; private set; }

    /// <summary><c>H_i v_i</c> for each image, <paramref name="vectors"/> and the result shaped like the input
    /// ([N, C, H, W]) or flattened ([N, C*H*W]); detached.</summary>
    public Tensor Apply(Tensor vectors)
    {
        if (vectors.numel() != _input.numel() || vectors.shape[0] != _input.shape[0])
            throw new ArgumentException($"vectors must have the input's {Count} x {Dimension} values, got [{string.Join(",", vectors.shape)}]");
        Products++;
        using var scope = torch.NewDisposeScope();
        if (!_curved) return torch.zeros_like(vectors).MoveToOuterDisposeScope();
        using var enable = torch.enable_grad();
        var v = vectors.detach().reshape(_input.shape).to(_gradient.dtype);
        var product = torch.autograd.grad([(_gradient * v).sum()], [_input], retain_graph: true, allow_unused: true)[0];
        if (product.IsInvalid) return torch.zeros_like(vectors).MoveToOuterDisposeScope();
        return product.detach().reshape(vectors.shape).to(vectors.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>One-off product <c>H(x) v</c> for each image (builds and disposes an operator).</summary>
    public static Tensor Product(Classifier model, Tensor input, Tensor target, Tensor vectors)
    {
        using var hessian = new InputHessian(model, input, target);
        return hessian.Apply(vectors);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Gradient.Dispose();
        _gradient.Dispose();
        _input.Dispose();
    }
}
