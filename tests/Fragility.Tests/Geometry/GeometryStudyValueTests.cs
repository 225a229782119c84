using System.Globalization;
using Fragility.Attacks;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Experiments.Geometry;
using Fragility.IO;
using Fragility.Models;
using Fragility.Tests.Attacks;
using Fragility.Tests.Attribution;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Geometry;

/// <summary>The values of the angles and spectrum studies on a tiny softplus MLP whose input gradient and Hessian are
/// known in closed form (diagonalised by MathNet): eigenvalues, gradient norms, eigenvector angles and the written
/// tables, not only the files.</summary>
public sealed class GeometryStudyValueTests : OneTorchThread
{
    private const int Images = 4;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"fragility-geometry-study-{Guid.NewGuid():N}");

    public override void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }

    /// <summary>Four images with the ReLU network's labels (the class the studies use), indices 10..13.</summary>
    private static SelectedInputs Inputs(Classifier model)
    {
        var x = TestModels.Inputs(Images, 32, size: GeometryTestModels.Side);
        long[] labels;
        using (model.UseRelu()) labels = model.Predict(x).Labels;
        return new SelectedInputs(new ImageDataset("test", x, labels, ["a", "b", "c"]), [10, 11, 12, 13], "test", Images);
    }

    /// <summary>Per image: the exact Hessian's eigen-decomposition and the exact gradient at <paramref name="beta"/>.</summary>
    private static (double[] Values, Matrix<double> Vectors, Vector<double> Gradient)[] Exact(Classifier model, SelectedInputs inputs, double beta) =>
        Enumerable.Range(0, Images).Select(i =>
        {
            var x = inputs.Images.Images[i].flatten().data<double>().ToArray();
            int y = (int)inputs.Images.Labels[i];
            var evd = GeometryTestModels.ExactHessian(model, x, y, beta).Evd(Symmetricity.Symmetric);
            return (evd.EigenValues.Select(c => c.Real).ToArray(), evd.EigenVectors, GeometryTestModels.ExactGradient(model, x, y, beta));
        }).ToArray();

    private static double AcuteAngle(Vector<double> a, Vector<double> b) =>
        Math.Acos(Math.Min(1, Math.Abs(a.DotProduct(b)) / (a.L2Norm() * b.L2Norm()))) * 180 / Math.PI;

    [Fact]
    public void Spectrum_HasTheExactEigenvaluesAndGradientNorms_PerBeta_AndWritesThem()
    {
        // 40 hidden units for 36 inputs: a full-rank Hessian, so 36 Lanczos steps find every eigenvalue.
        using var model = GeometryTestModels.Mlp(31, hidden: 40, beta: 2.0);
        using var inputs = Inputs(model);
        var settings = new AttackSettings { Beta = 2, Iterations = 2, Step = 1 };
        var result = SpectrumExperiment.Measure(model, inputs, [1.0], settings, "mlp", lanczosSteps: GeometryTestModels.Dimension, eigenvalues: 5, batchSize: 3);

        Assert.Equal([1.0, 2.0], result.Spectra.Select(s => s.Beta));
        Assert.Equal(2.0, result.AtAttackBeta.Beta);
        Assert.Equal([10, 11, 12, 13], result.Images);
        Assert.Equal(Images, result.Attack.Count);
        foreach (var spectrum in result.Spectra)
        {
            var exact = Exact(model, inputs, spectrum.Beta);
            for (int i = 0; i < Images; i++)
            {
                var descending = exact[i].Values.OrderDescending().ToArray();
                double scale = descending.Max(Math.Abs);
                for (int j = 0; j < 5; j++)
                    Assert.True(Math.Abs(spectrum.Largest[i][j] - descending[j]) <= 1e-8 * scale, $"beta {spectrum.Beta}, image {i}, eigenvalue {j}: {spectrum.Largest[i][j]} vs {descending[j]}");
                Assert.True(Math.Abs(spectrum.Smallest[i] - descending[^1]) <= 1e-8 * scale);
                Assert.True(Math.Abs(spectrum.Dominant[i] - exact[i].Values.MaxBy(Math.Abs)) <= 1e-8 * scale);
                Assert.Equal(exact[i].Gradient.L2Norm(), spectrum.ScoreGradientNorm[i], 9);
                Assert.Equal(Math.Abs(spectrum.Dominant[i]) / exact[i].Gradient.L2Norm(), spectrum.RelativeCurvature[i], 8);
            }
            // The correlations are Spearman's rho of |lambda_max| with how far the attack moved each map.
            Assert.Equal(Spearman(spectrum.Magnitude, result.Attack.Select(r => 1 - r.TopKIntersection).ToArray()), spectrum.RhoTopK, 12);
        }

        new SpectrumWriter().WriteTables(result, _dir);
        var table = CsvTable.Read(Path.Combine(_dir, GeometryFiles.DetailFolder, "spectrum.csv"));
        var header = table.Header.ToList();
        Assert.Equal(2 * Images, table.Rows.Count);
        var row = table.Rows.Single(r => r[header.IndexOf("image")] == "12" && r[header.IndexOf("beta")] == "2");
        double written = double.Parse(row[header.IndexOf("dominant_eigenvalue")], CultureInfo.InvariantCulture);
        double truth = Exact(model, inputs, 2.0)[2].Values.MaxBy(Math.Abs);
        Assert.True(Math.Abs(written - truth) <= 1e-5 * Math.Abs(truth), $"written {written}, exact {truth}");
    }

    [Fact]
    public void Angles_ToTheDominantEigenvector_AreThoseOfTheExactHessian()
    {
        using var model = GeometryTestModels.Mlp(33, hidden: 40, beta: 2.0);
        using var inputs = Inputs(model);
        var settings = new AttackSettings { Beta = 2, Iterations = 2, Step = 1 };
        var result = AngleExperiment.Measure(model, inputs, settings, "mlp", lanczosSteps: GeometryTestModels.Dimension, batchSize: 3);
        var exact = Exact(model, inputs, 2.0);

        Assert.Equal([10, 11, 12, 13], result.Images);
        var expectedAngles = new double[Images];
        for (int i = 0; i < Images; i++)
        {
            var r = result.Records[i];
            Assert.Equal(inputs.Images.Labels[i], r.Label);
            double dominant = exact[i].Values.MaxBy(Math.Abs);
            Assert.True(Math.Abs(r.DominantEigenvalue - dominant) <= 1e-8 * Math.Abs(dominant), $"image {i}: {r.DominantEigenvalue} vs {dominant}");
            Assert.Equal(exact[i].Gradient.L2Norm(), r.ScoreGradientNorm, 9);
            expectedAngles[i] = AcuteAngle(exact[i].Gradient, exact[i].Vectors.Column(Array.IndexOf(exact[i].Values, dominant)));
            Assert.True(Math.Abs(r.EigenvectorAngle - expectedAngles[i]) < 1e-4, $"image {i}: angle {r.EigenvectorAngle} vs exact {expectedAngles[i]}");
            Assert.InRange(r.TopKAngle, 0, 180);
            Assert.InRange(r.MassCenterAngle, 0, 180);
        }
        var eigen = result.Directions.Single(d => d.Name == "eigenvector");
        Assert.True(eigen.Acute);
        Assert.Equal(expectedAngles.Average(), eigen.Statistics.Mean, 4);
        Assert.Equal(expectedAngles.Count(a => Math.Abs(a - 90) <= 10) / (double)Images, eigen.Statistics.NearOrthogonal, 12);
        Assert.Equal(["topk", "mass_center", "eigenvector"], result.Directions.Select(d => d.Name));

        var summary = new AngleWriter().Summarise(result, _dir);
        Assert.Equal(eigen.Statistics.Mean, summary.Numbers["mean_angle_eigenvector"]);
    }

    [Fact]
    public void Angles_OfARankOneScore_AreZeroToItsEigenvector()
    {
        // score_y = a_y softplus(w . z + b) + c_y: gradient and Hessian (a_y g'' w w^T) both lie along w.
        torch.manual_seed(34);
        var net = nn.Sequential(("0", nn.Flatten()), ("1", nn.Linear(GeometryTestModels.Dimension, 1)), ("2", new SwitchableActivation()), ("3", nn.Linear(1, 3)));
        using var model = TestModels.Wrap(net, 1, GeometryTestModels.Side, GeometryTestModels.Side, 3);
        using var inputs = Inputs(model);
        var result = AngleExperiment.Measure(model, inputs, new AttackSettings { Beta = 1, Iterations = 2 }, "rank-one", lanczosSteps: 5, batchSize: 4);
        var eigen = result.Directions.Single(d => d.Name == "eigenvector");
        Assert.Equal(Images, eigen.Statistics.Count);
        Assert.All(result.Records, r => Assert.True(r.EigenvectorAngle < 1e-3, $"angle {r.EigenvectorAngle}"));
        Assert.Equal(0.0, eigen.Statistics.NearOrthogonal);
    }

    /// <summary>Spearman's rho from scratch: Pearson correlation of average ranks.</summary>
    private static double Spearman(double[] a, double[] b)
    {
        static double[] Ranks(double[] v) => v.Select(x => v.Count(y => y < x) + (v.Count(y => y == x) + 1) / 2.0).ToArray();
        var (ra, rb) = (Ranks(a), Ranks(b));
        double ma = ra.Average(), mb = rb.Average();
        double cov = ra.Zip(rb, (x, y) => (x - ma) * (y - mb)).Sum();
        return cov / Math.Sqrt(ra.Sum(x => (x - ma) * (x - ma)) * rb.Sum(y => (y - mb) * (y - mb)));
    }
}
