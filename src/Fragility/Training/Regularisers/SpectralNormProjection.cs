using System.Globalization;
using Fragility.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Training.Regularisers;

/// <summary>
/// A Lipschitz constraint by projection (Gouk, Frank, Pfahringer and Cree 2021, "Regularisation of neural networks by
/// enforcing Lipschitz continuity", Machine Learning 110): after every optimiser step, each convolution and dense
/// layer whose spectral norm sigma (its largest singular value as a linear map of its actual input, i.e. its
/// L2 Lipschitz constant; for a convolution the whole operator with its stride and padding, not the reshaped kernel)
/// exceeds <see cref="Bound"/> has its weight scaled by Bound / sigma. sigma is found by power iteration on
/// A^T A (A u = layer(u) - layer(0), A^T v by autograd), warm-started from the previous step's vector. Unlike the
/// reparametrisation of Miyato et al. 2018 ("Spectral normalization for GANs"), the architecture and the state_dict
/// keys do not change, so a model trained with it loads and runs like any other. The penalty term is zero; the work
/// is in <see cref="AfterStep"/>. With ReLU and max-pooling (both 1-Lipschitz), the network's L2 Lipschitz constant
/// on normalised input is at most Bound^layers.
/// </summary>
public sealed class SpectralNormProjection : ITrainingRegulariser
{
    private readonly Dictionary<nn.Module, Tensor> _vectors = new(ReferenceEqualityComparer.Instance);
    private readonly torch.Generator _generator;
    private Classifier? _model;
    private IReadOnlyList<AffineLayer> _layers = [];

    /// <summary>Creates the constraint.</summary>
    /// <param name="bound">Largest allowed spectral norm of each layer (positive, unitless).</param>
    /// <param name="maxIterations">Most power iterations per layer and step (default 50; warm starts usually need 1-3).</param>
    /// <param name="tolerance">Relative change of sigma at which the power iteration stops (default 1e-4).</param>
    /// <param name="seed">Seed of the initial power-iteration vectors.</param>
    public SpectralNormProjection(double bound, int maxIterations = 50, double tolerance = 1e-4, long seed = 0)
    {
        if (!(bound > 0 && double.IsFinite(bound)))
            throw new FragilityException($"The spectral-norm bound (--lambda for --regularise spectral) must be a positive number, got {bound.ToString(CultureInfo.InvariantCulture)}.");
        if (maxIterations < 1) throw new FragilityException($"The power iteration needs at least 1 iteration, got {maxIterations}.");
        if (!(tolerance > 0)) throw new FragilityException($"The power-iteration tolerance must be positive, got {tolerance.ToString(CultureInfo.InvariantCulture)}.");
        Bound = bound;
        MaxIterations = maxIterations;
        Tolerance = tolerance;
        _generator = new torch.Generator((ulong)seed, torch.CPU);
    }

    /// <summary>Largest allowed spectral norm of each layer.</summary>
    public double Bound { get; }

    /// <summary>Most power iterations per layer and step.</summary>
    public int MaxIterations { get; }

    /// <summary>Relative tolerance of the power iteration.</summary>
    public double Tolerance { get; }

    /// <inheritdoc />
    public string Name => TrainingRegularisers.Spectral;

    /// <inheritdoc />
    public Tensor Penalty(Classifier model, Tensor input, Tensor labels, Tensor logits) =>
        torch.zeros([], dtype: logits.dtype, device: logits.device);

    /// <inheritdoc />
    public void AfterStep(Classifier model) => Project(model);

    /// <summary>Scales every layer whose spectral norm exceeds <see cref="Bound"/> down to it; returns each layer's
    /// spectral norm before the projection, in <see cref="Layers(Classifier)"/> order.</summary>
    public IReadOnlyList<double> Project(Classifier model)
    {
        if (!ReferenceEquals(model, _model))
        {
            _model = model;
            _layers = Layers(model);
            foreach (var v in _vectors.Values) v.Dispose();
            _vectors.Clear();
        }
        var norms = new double[_layers.Count];
        for (int i = 0; i < _layers.Count; i++)
        {
            var layer = _layers[i];
            _vectors.TryGetValue(layer.Module, out var start);
            var (sigma, vector) = OperatorNorm(layer.Module, layer.InputShape, MaxIterations, Tolerance, start, _generator);
            if (start is not null) start.Dispose();
            _vectors[layer.Module] = vector;
            norms[i] = sigma;
            if (sigma > Bound)
            {
                using var noGrad = torch.no_grad();
                var weight = layer.Module.named_parameters().First(p => p.name == "weight").parameter;
                weight.mul_(Bound / sigma);
            }
        }
        return norms;
    }

    /// <summary>
    /// The spectral norm of an affine layer (Linear, Conv2d) as a linear map of inputs of <paramref name="inputShape"/>,
    /// by the library's power iteration on A^T A (<see cref="Geometry.OperatorNorm.OfLinearMap(Func{Tensor, Tensor}, Func{Tensor, Tensor}, Tensor, int, double, Geometry.PowerEstimate)"/>)
    /// (its singular-value step) with A u = layer(u) - layer(0) and A^T v from autograd; stops when sigma changes by less than
    /// <paramref name="tolerance"/> (relative) or after <paramref name="iterations"/>. Returns sigma (a lower bound that
    /// converges to the norm) and the last unit vector u (owned by the caller, outside any dispose scope).
    /// </summary>
    public static (double Sigma, Tensor Vector) OperatorNorm(nn.Module<Tensor, Tensor> layer, long[] inputShape, int iterations = 100,
        double tolerance = 1e-6, Tensor? start = null, torch.Generator? generator = null)
    {
        var weight = layer.parameters().First();
        using var scope = torch.NewDisposeScope();
        var from = start is not null && start.shape.SequenceEqual(inputShape)
            ? start
            : torch.randn(inputShape, dtype: weight.dtype, device: torch.CPU, generator: generator).to(weight.device);
        Tensor Linear(Tensor u) => layer.forward(u) - layer.forward(torch.zeros_like(u));
        return Geometry.OperatorNorm.OfLinearMap(Linear, Geometry.OperatorNorm.TransposeByAutograd(layer.forward, inputShape), from, iterations, tolerance,
            Geometry.PowerEstimate.SingularValue);
    }

    /// <summary>The convolution and dense layers of <paramref name="model"/>'s network in forward order, with the input
    /// shape each sees (found by running one zero image through the layer chain).</summary>
    public static IReadOnlyList<AffineLayer> Layers(Classifier model)
    {
        var p = model.Metadata.Preprocessing;
        var found = new List<AffineLayer>();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var dtype = model.parameters().FirstOrDefault()?.dtype ?? ScalarType.Float32;
        var x = torch.zeros([1, p.Channels, p.Height, p.Width], dtype: dtype);
        LayerChain.Walk(model.Layers, x, new AffineVisitor(found));
        var seen = new HashSet<nn.Module>(found.Select(l => (nn.Module)l.Module), ReferenceEqualityComparer.Instance);
        var missed = model.Network.named_modules().Where(m => m.module is Conv2d or Linear && !seen.Contains(m.module)).Select(m => m.name).ToList();
        if (missed.Count > 0)
            throw new FragilityException($"Spectral normalisation cannot find the input size of layer(s) {string.Join(", ", missed)} of '{model.Metadata.Architecture}'. Use another regulariser for this architecture.");
        return found;
    }

    /// <summary>Collects each convolution and dense layer with the input shape it sees.</summary>
    private sealed class AffineVisitor(List<AffineLayer> found) : ILayerVisitor
    {
        public void Layer(ModuleNode node, Tensor input)
        {
            if (node.Module is Conv2d or Linear && !found.Any(f => ReferenceEquals(f.Module, node.Module)))
                found.Add(new AffineLayer(node.Name, node.Module, input.shape.ToArray()));
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"spectral(bound={Bound:R} per layer, projection after each step)");
}
