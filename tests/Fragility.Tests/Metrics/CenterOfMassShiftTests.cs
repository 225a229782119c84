using Fragility.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Metrics;

public class CenterOfMassShiftTests
{
    [Fact]
    public void CenterOfMass_OneHotMap_IsThatPixel()
    {
        var map = new float[4 * 5];
        map[2 * 5 + 3] = 0.7f;
        Assert.Equal((2.0, 3.0), CenterOfMassShift.CenterOfMass(map, 4, 5));
    }

    [Fact]
    public void CenterOfMass_TwoPixelMap_IsExactWeightedMean()
    {
        // Weight 1 at (0,1) and 2 at (3,0): row (0 + 6)/3 = 2, column (1 + 0)/3 = 1/3.
        var map = new float[4 * 2];
        map[0 * 2 + 1] = 1;
        map[3 * 2 + 0] = 2;
        var (row, col) = CenterOfMassShift.CenterOfMass(map, 4, 2);
        Assert.Equal(2.0, row, 12);
        Assert.Equal(1.0 / 3, col, 12);
    }

    [Fact]
    public void Compare_IsDistanceBetweenCentroids()
    {
        // One-hot at (0,0) vs weight 1 at (0,0) and 3 at (2,4): centroid (1.5, 3), distance sqrt(1.5^2 + 3^2).
        var a = new float[3 * 5];
        a[0] = 1;
        var b = new float[3 * 5];
        b[0] = 1;
        b[2 * 5 + 4] = 3;
        var metric = new CenterOfMassShift();
        Assert.Equal(Math.Sqrt(11.25), metric.Compare(a, b, 3, 5), 12);
        Assert.Equal(Math.Sqrt(11.25), metric.Compare(b, a, 3, 5), 12);
        Assert.False(metric.HigherMeansMoreSimilar);
    }

    [Fact]
    public void CenterOfMass_ZeroAndConstantMaps_AreTheImageCentre()
    {
        Assert.Equal((1.5, 2.0), CenterOfMassShift.CenterOfMass(new float[4 * 5], 4, 5));
        Assert.Equal((1.5, 2.0), CenterOfMassShift.CenterOfMass(Enumerable.Repeat(0.05f, 20).ToArray(), 4, 5));
        Assert.Equal(0.0, new CenterOfMassShift().Compare(new float[20], Enumerable.Repeat(3f, 20).ToArray(), 4, 5), 12);
    }

    [Fact]
    public void CenterOfMass_NegativeOrMismatchedMap_Throws()
    {
        Assert.Throws<ArgumentException>(() => CenterOfMassShift.CenterOfMass([1, -1, 0, 0], 2, 2));
        Assert.Throws<ArgumentException>(() => CenterOfMassShift.CenterOfMass([1, 1, 0, 0], 2, 3));
        Assert.Throws<ArgumentException>(() => new CenterOfMassShift().Compare([1, 1, 0, 0], [1, 1, 0], 2, 2));
    }

    [Fact]
    public void BatchedCenterOfMass_AgreesWithSpanVersion_IncludingZeroMap()
    {
        var rng = new Random(2);
        const int n = 4, h = 7, w = 9;
        var maps = Enumerable.Range(0, n).Select(i => i == 2 ? new float[h * w] : MapSamples.WithTies(rng, h * w, 5)).ToArray();
        foreach (var (dtype, digits) in new[] { (ScalarType.Float64, 12), (ScalarType.Float32, 4) })
        {
            using var t = torch.tensor(maps.SelectMany(m => m).ToArray(), [n, h, w]).to(dtype);
            using var c = CenterOfMassShift.CenterOfMass(t);
            Assert.Equal([n, 2L], c.shape);
            Assert.Equal(dtype, c.dtype);
            var values = c.to(ScalarType.Float64).data<double>().ToArray();
            for (int i = 0; i < n; i++)
            {
                var (row, col) = CenterOfMassShift.CenterOfMass(maps[i], h, w);
                Assert.Equal(row, values[2 * i], digits);
                Assert.Equal(col, values[2 * i + 1], digits);
            }
        }
    }

    [Fact]
    public void BatchedCenterOfMass_GradientMatchesFiniteDifferences_AndIsZeroForZeroMap()
    {
        using var scope = torch.NewDisposeScope();
        var rng = new Random(7);
        var values = Enumerable.Range(0, 24).Select(i => i < 12 ? rng.NextDouble() : 0.0).ToArray();   // map 1 is all zero
        var weights = torch.tensor(new[] { 0.3, -1.2, 0.8, 0.5 }, [2, 2], dtype: ScalarType.Float64);
        Func<double[], double> objective = v =>
            (CenterOfMassShift.CenterOfMass(torch.tensor(v, [2, 3, 4], dtype: ScalarType.Float64)) * weights).sum().item<double>();

        var x = torch.tensor(values, [2, 3, 4], dtype: ScalarType.Float64).requires_grad_(true);
        var loss = (CenterOfMassShift.CenterOfMass(x) * weights).sum();
        var g = torch.autograd.grad([loss], [x])[0].data<double>().ToArray();

        const double h = 1e-6;
        for (int i = 0; i < 12; i++)
        {
            var plus = (double[])values.Clone(); plus[i] += h;
            var minus = (double[])values.Clone(); minus[i] -= h;
            Assert.Equal((objective(plus) - objective(minus)) / (2 * h), g[i], 6);
        }
        for (int i = 12; i < 24; i++) Assert.Equal(0.0, g[i]);
    }
}
