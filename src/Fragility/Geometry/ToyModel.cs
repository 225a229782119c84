using Fragility.Metrics;
using MathNet.Numerics.Statistics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Geometry;

/// <summary>
/// The toy model of docs/method.md §6 for dimension scaling: <c>f(x) = sum_j a_j g(w_j . x + b_j)</c> with the smooth
/// <c>g = softplus</c> (g' = sigmoid, g''/g' = sigmoid(-z)), x ~ U[0, 1]^d, weights drawn with a fixed per-coordinate
/// scale <c>w_ji ~ N(0, s^2)</c>, and b_j chosen so that every unit sits at the operating point <c>z0</c>. With one unit
/// (m = 1, a = 1, the paper's toy) the Hessian is rank one, <c>g''(z) w w^T</c>, and under
/// <c>delta = eps sign(w)</c> the gradient map changes by exactly <c>g'(z0 + eps ||w||_1) / g'(z0) - 1</c> relative to its
/// size, to first order <c>|g''/g'| eps ||w||_1</c>: it grows with ||w||_1, i.e. linearly with d
/// (E||w||_1 = d s sqrt(2/pi)). The change is along w, so the map's ranking, and its top-k set, cannot change.
/// With m &gt; 1 units (a_j ~ N(0, 1/m)) the Hessian has rank m, <c>delta = eps sign(grad f(x))</c>, and the ranking
/// can change. The pixel range is ignored (the toy is not clipped to [0, 1]).
/// </summary>
public static class ToyModel
{
    /// <summary>Measures one draw.</summary>
    /// <param name="dimension">Input dimension d (at least 1).</param>
    /// <param name="epsilon">L-infinity size of delta in input units (the toy's inputs lie in [0, 1], so 8/255 is the
    /// paper's largest epsilon).</param>
    /// <param name="scale">Per-coordinate standard deviation s of the weights.</param>
    /// <param name="hidden">Number of units m (1 for the rank-one toy).</param>
    /// <param name="operatingPoint">z0, the pre-activation of every unit at x (default 0: g''/g' = 1/2).</param>
    /// <param name="seed">Seed of the draw of x, w and a.</param>
    public static ToyMeasurement Measure(int dimension, double epsilon, double scale, int hidden = 1, double operatingPoint = 0.0, int seed = 0)
    {
        if (dimension < 1) throw new FragilityException($"The toy's dimension must be at least 1, got {dimension}.");
        if (hidden < 1) throw new FragilityException($"The toy needs at least one unit, got {hidden}.");
        if (!(epsilon > 0) || !(scale > 0)) throw new FragilityException($"The toy needs a positive epsilon and weight scale, got {epsilon} and {scale}.");
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator((ulong)seed, torch.CPU);
        var f64 = ScalarType.Float64;
        var device = torch.get_default_device();   // draws on the CPU generator, then moved: the same toy on every device
        var x = torch.rand(dimension, dtype: f64, device: torch.CPU, generator: generator).to(device);
        var w = torch.randn([hidden, dimension], dtype: f64, device: torch.CPU, generator: generator).to(device) * scale;
        var a = hidden == 1 ? torch.ones(1, dtype: f64, device: device) : torch.randn(hidden, dtype: f64, device: torch.CPU, generator: generator).to(device) / Math.Sqrt(hidden);
        var b = operatingPoint - w.matmul(x);

        Tensor Gradient(Tensor at)
        {
            using var s = torch.NewDisposeScope();
            using var enable = torch.enable_grad();
            var xr = at.detach().requires_grad_(true);
            var f = (a * nn.functional.softplus(w.matmul(xr) + b)).sum();
            return torch.autograd.grad([f], [xr])[0].detach().MoveToOuterDisposeScope();
        }

        var g0 = Gradient(x);
        var delta = epsilon * (hidden == 1 ? w[0].sign() : g0.sign());
        var g1 = Gradient(x + delta);
        double norm0 = g0.norm().item<double>();
        double relative = (g1 - g0).norm().item<double>() / norm0;

        // First order: H delta = sum_j a_j g''(z_j) (w_j . delta) w_j, with z_j = z0 and g'' = sigmoid (1 - sigmoid).
        double sig = 1.0 / (1.0 + Math.Exp(-operatingPoint));
        double second = sig * (1 - sig);
        var hDelta = ((a * second * w.matmul(delta)).unsqueeze(1) * w).sum(dim: 0);
        double firstOrder = hDelta.norm().item<double>() / norm0;
        double l1 = w.abs().sum(1).mean().item<double>();
        double exact = double.NaN;
        if (hidden == 1)
        {
            double shifted = 1.0 / (1.0 + Math.Exp(-(operatingPoint + epsilon * l1)));
            exact = Math.Abs(shifted / sig - 1);
        }

        var map0 = g0.abs().unsqueeze(0);
        var map1 = g1.abs().unsqueeze(0);
        int k = Math.Max(1, dimension / 10);
        double topk = TopKIntersection.Batch(map0, map1, k)[0];
        double spearman = dimension < 2 ? 1.0 : Correlation.Spearman(map0.cpu().data<double>().ToArray(), map1.cpu().data<double>().ToArray());
        return new ToyMeasurement(dimension, hidden, seed, l1, relative, firstOrder, exact, topk, spearman);
    }

    /// <summary>The rank-one toy's first-order prediction from the expected ||w||_1 = d s sqrt(2/pi):
    /// <c>sigmoid(-z0) eps d s sqrt(2/pi)</c>.</summary>
    public static double ExpectedFirstOrder(int dimension, double epsilon, double scale, double operatingPoint = 0.0) =>
        1.0 / (1.0 + Math.Exp(operatingPoint)) * epsilon * dimension * scale * Math.Sqrt(2 / Math.PI);
}
