using System.Globalization;
using Fragility.Attacks;
using Fragility.Data;
using Fragility.Geometry;
using Fragility.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Benchmarks.Suites;

/// <summary>
/// Geometry: Hessian-vector products per second on the shipped model's softplus twin (one product = one backward pass
/// through the kept double-backward graph), the cost of building that graph, and the time of one angle measurement per
/// image (score gradient, two objective gradients by double backward, 20 Lanczos steps) at batch 1 and batch 32.
/// </summary>
public sealed class GeometrySuite : IBenchmarkSuite
{
    /// <inheritdoc />
    public string Name => "geometry";

    /// <inheritdoc />
    public string Description => "Hessian-vector products per second and the time of one angle measurement per image (shipped Fashion-MNIST small-cnn)";

    /// <inheritdoc />
    public void Run(Bench bench)
    {
        using var model = ModelStore.Load(null);
        int batch = bench.Quick ? 8 : 32;
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, null, batch);
        var x = data.Images;
        long[] labels;
        using (model.UseRelu()) labels = model.Predict(x).Labels;
        using var target = torch.tensor(labels, dtype: ScalarType.Int64);
        using var softplus = model.UseSoftplus(1.0);

        foreach (int n in new[] { 1, batch })
        {
            using var xs = x.narrow(0, 0, n);
            using var ts = target.narrow(0, 0, n);
            using var hessian = new InputHessian(model, xs, ts);
            using var v = torch.randn(xs.shape);
            int products = bench.Quick ? 5 : 20;
            bench.Measure(Name, $"Hessian-vector product, batch {n} ({products} per run)", () =>
            {
                for (int i = 0; i < products; i++) hessian.Apply(v).Dispose();
            }, products * n, "HVP (image)");
            bench.Measure(Name, $"build gradient graph (forward + create_graph backward), batch {n}", () =>
            {
                using var h = new InputHessian(model, xs, ts);
            }, n, "image");
        }
        var settings = new AttackSettings();
        foreach (int n in new[] { 1, batch })
        {
            using var xs = x.narrow(0, 0, n);
            bench.Measure(Name, string.Create(CultureInfo.InvariantCulture, $"angle measurement (3 directions, 20 Lanczos steps), batch {n}"),
                () => AngleMeasurement.Measure(model, xs, settings, lanczosSteps: 20, batchSize: n), n, "image",
                () => "per-image time = 1000 / rate ms");
        }
    }
}
