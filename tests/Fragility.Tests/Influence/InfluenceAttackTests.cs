using Fragility.Influence;
using Fragility.Models;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Influence;

/// <summary>The influence attack on a tiny float64 network: its gradient against finite differences, its orientation, projection and baselines.</summary>
public sealed class InfluenceAttackTests : IDisposable
{
    private readonly Classifier _model;
    private readonly PenultimateFeatures _features;
    private readonly InfluenceFunctions _influence;
    private readonly InfluenceAttack _attack;
    private readonly Tensor _tests;

    public InfluenceAttackTests()
    {
        torch.manual_seed(4);
        _model = ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SmallCnn,
            Preprocessing = new Preprocessing { Channels = 1, Height = 8, Width = 8, Mean = [0.5], Std = [0.3] },
            ClassNames = ["a", "b", "c"],
        });
        _model.to(ScalarType.Float64);
        _features = new PenultimateFeatures(_model);
        using var train = torch.rand(40, 1, 8, 8, dtype: ScalarType.Float64);
        var phi = _features.Compute(train);
        // Labels from a fixed direction in feature space, so the head has something to learn.
        var direction = Vector<double>.Build.Dense(phi.ColumnCount, j => Math.Sin(3 * j));
        var scores = phi * direction;
        double median = scores.OrderBy(v => v).ElementAt(20);
        var labels = scores.Select(v => v > median ? 1 : 0).ToArray();
        var objective = new HeadObjective(phi, labels, 2, 0.05);
        var theta = NewtonTrainer.Minimize(objective).Parameters;
        _influence = new InfluenceFunctions(objective, theta, new ExactInverseHessian(objective, theta));
        _attack = new InfluenceAttack(_features, _influence);
        _tests = torch.rand(2, 1, 8, 8, dtype: ScalarType.Float64) * 0.8 + 0.1;
    }

    public void Dispose()
    {
        _tests.Dispose();
        _model.Dispose();
    }

    private int[] Labels()
    {
        var rows = _features.ComputeRows(_tests);
        return rows.Select(r => _influence.Head.Predict(r)).ToArray();
    }

    private double Objective(Tensor x, int k, int label, int[] targets, InfluenceObjective objective, double? beta)
    {
        using var mode = beta is double b ? _model.UseSoftplus(b) : _model.UseRelu();
        var phi = _features.ComputeRows(x)[k];
        return InfluenceAttack.ObjectiveValue(_influence.Influence(phi, label), targets, objective);
    }

    [Theory]
    [InlineData(InfluenceObjective.Raw, null)]
    [InlineData(InfluenceObjective.Normalised, null)]
    [InlineData(InfluenceObjective.Raw, 2.0)]
    [InlineData(InfluenceObjective.Normalised, 2.0)]
    public void ObjectiveGradient_MatchesFloat64FiniteDifference(InfluenceObjective objective, double? beta)
    {
        var labels = Labels();
        using var first = _attack.ObjectiveGradient(_tests, labels, objective, null, 3, beta);
        var targets = first.Targets;
        var grad = first.Gradient.flatten(1).data<double>().ToArray();
        int size = 64;
        var rng = new Random(9);
        const double h = 1e-6;
        for (int k = 0; k < 2; k++)
        {
            // A random direction and four single pixels.
            var directions = new List<double[]> { Enumerable.Range(0, size).Select(_ => rng.NextDouble() - 0.5).ToArray() };
            for (int t = 0; t < 4; t++) { var e = new double[size]; e[rng.Next(size)] = 1; directions.Add(e); }
            foreach (var v in directions)
            {
                using var dv = torch.zeros(2, 1, 8, 8, dtype: ScalarType.Float64);
                dv[k].copy_(torch.tensor(v, new long[] { 1, 8, 8 }, dtype: ScalarType.Float64));
                using var plus = _tests + h * dv;
                using var minus = _tests - h * dv;
                double fd = (Objective(plus, k, labels[k], targets[k], objective, beta) - Objective(minus, k, labels[k], targets[k], objective, beta)) / (2 * h);
                double analytic = v.Select((vj, j) => vj * grad[k * size + j]).Sum();
                double scale = Math.Sqrt(grad.Skip(k * size).Take(size).Sum(g => g * g)) * Math.Sqrt(v.Sum(x => x * x));
                Assert.True(Math.Abs(fd - analytic) <= 1e-6 * scale + 1e-12, $"test {k}: finite difference {fd}, gradient {analytic} (scale {scale})");
            }
        }
    }

    [Fact]
    public void SingleStep_MakesTheTopHelpfulPointsLessHelpful_ForASmallStep()
    {
        var labels = Labels();
        using var g = _attack.ObjectiveGradient(_tests, labels, InfluenceObjective.Raw);
        using var x = _tests + 1e-4 * g.Gradient.sign();
        for (int k = 0; k < 2; k++)
        {
            double before = Objective(_tests, k, labels[k], g.Targets[k], InfluenceObjective.Raw, null);
            double after = Objective(x, k, labels[k], g.Targets[k], InfluenceObjective.Raw, null);
            Assert.True(before < 0, "the top helpful points have negative influence");
            Assert.True(after > before, $"D {before} -> {after}");
        }
    }

    [Theory]
    [InlineData(InfluenceAttackKind.SingleStep)]
    [InlineData(InfluenceAttackKind.Iterative)]
    [InlineData(InfluenceAttackKind.RandomSign)]
    public void Run_StaysInTheBallAndValidRange_AndReportsMetrics(InfluenceAttackKind kind)
    {
        var labels = Labels();
        var options = new InfluenceAttackOptions { Kind = kind, Steps = 6, StepSize = 2, Seed = 1 };
        var outcomes = _attack.Run(_tests, labels, [10, 11], 8, options);
        Assert.Equal(2, outcomes.Count);
        var clean = _tests.flatten(1).data<double>().ToArray();
        for (int k = 0; k < 2; k++)
        {
            var o = outcomes[k];
            Assert.Equal(8, o.Epsilon);
            Assert.Equal(10 + k, o.TestId);
            double linf = o.Perturbed.Select((v, j) => Math.Abs(v - clean[k * 64 + j])).Max() * 255;
            Assert.True(linf <= 8 + 1e-3, $"L-inf {linf}");
            Assert.Equal(linf, o.LinfRealized, 2);
            Assert.All(o.Perturbed, v => Assert.InRange(v, 0f, 1f));
            Assert.InRange(o.Spearman, -1, 1);
            Assert.InRange(o.TopKept, 0, 5);
            Assert.Equal(5, o.TopBefore.Length);
            Assert.Equal(_influence.TrainingCount, o.InfluenceAfter.Length);
            if (kind == InfluenceAttackKind.Iterative && !o.Failed) Assert.True(o.HeadLabelKept);
            if (kind == InfluenceAttackKind.RandomSign) Assert.True(double.IsNaN(o.AngleGradientDegrees));
            else Assert.InRange(o.AngleGradientDegrees, 0, 180);
            if (kind != InfluenceAttackKind.Iterative) Assert.True(linf > 7.9, "a sign step of size epsilon away from the range bounds");
        }
    }

    [Theory]
    [InlineData(InfluenceAttackKind.RandomSign)]
    [InlineData(InfluenceAttackKind.SingleStep)]
    [InlineData(InfluenceAttackKind.Iterative)]
    public void Run_ClampsPixelsAtTheEdgesOfTheValidRange(InfluenceAttackKind kind)
    {
        // Black and white pixels: a step out of [0, 1] must be cut back to the edge, not kept or reflected.
        using var edged = _tests.clone();
        using (var flat = edged.view(2, -1))
        {
            flat[TensorIndex.Colon, TensorIndex.Slice(0, 16)] = torch.tensor(0.0, dtype: ScalarType.Float64);
            flat[TensorIndex.Colon, TensorIndex.Slice(16, 32)] = torch.tensor(1.0, dtype: ScalarType.Float64);
        }
        var outcomes = _attack.Run(edged, Labels(), [10, 11], 8, new InfluenceAttackOptions { Kind = kind, Steps = 4, StepSize = 4, Seed = 3 });
        foreach (var o in outcomes)
        {
            Assert.All(o.Perturbed, v => Assert.InRange(v, 0f, 1f));
            // Some black pixel was pushed down and some white one up (sign steps move every pixel), so they sit on the edge.
            Assert.Contains(o.Perturbed.Take(16), v => v == 0f);
            Assert.Contains(o.Perturbed.Skip(16).Take(16), v => v == 1f);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(2.0)]
    public void IterativeWithOneFullStep_EqualsTheSingleStep(double? beta)
    {
        var labels = Labels();
        var single = _attack.Run(_tests, labels, [0, 1], 4, new InfluenceAttackOptions { Kind = InfluenceAttackKind.SingleStep, SoftplusBeta = beta });
        var iterative = _attack.Run(_tests, labels, [0, 1], 4, new InfluenceAttackOptions { Kind = InfluenceAttackKind.Iterative, Steps = 1, StepSize = 4, SoftplusBeta = beta });
        Assert.Contains(single, o => o.HeadLabelKept);
        for (int k = 0; k < 2; k++)
        {
            if (!single[k].HeadLabelKept) { Assert.True(iterative[k].Failed); continue; }
            Assert.Equal(1, iterative[k].BestStep);
            Assert.Equal(single[k].Perturbed, iterative[k].Perturbed);
            Assert.Equal(single[k].Spearman, iterative[k].Spearman, 12);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IterativeSecondStep_SumsTheCleanTopSet_UnlessRepicking(bool repick)
    {
        // Two steps by hand: x1 = x0 + a sign(grad D_T0(x0)), x2 = x1 + a sign(grad D_T(x1)) with T = the clean top-3
        // (the paper's objective) or the top-3 at x1 (re-picked). The attack returns one of its admissible iterates.
        var labels = Labels();
        double eps = 8 / 255.0, alpha = 3 / 255.0;
        using var g0 = _attack.ObjectiveGradient(_tests, labels, InfluenceObjective.Raw);
        using var x1 = Fragility.Attacks.FragilityAttack.Project(_tests + alpha * g0.Gradient.sign(), _tests, eps);
        using var g1 = _attack.ObjectiveGradient(x1, labels, InfluenceObjective.Raw, repick ? null : g0.Targets);
        using var x2 = Fragility.Attacks.FragilityAttack.Project(x1 + alpha * g1.Gradient.sign(), _tests, eps);
        var outcomes = _attack.Run(_tests, labels, [0, 1], 8, new InfluenceAttackOptions { Kind = InfluenceAttackKind.Iterative, Steps = 2, StepSize = 3, RepickTargets = repick });
        Assert.Equal(repick ? "iterative/raw/repick" : "iterative/raw", new InfluenceAttackOptions { Kind = InfluenceAttackKind.Iterative, RepickTargets = repick }.Name);
        Assert.Contains(outcomes, o => !o.Failed && o.BestStep == 2);   // the second step is what is checked
        for (int k = 0; k < 2; k++)
        {
            if (outcomes[k].Failed) continue;
            var expected = (outcomes[k].BestStep == 1 ? x1 : x2)[k].flatten().to(ScalarType.Float32).data<float>().ToArray();
            Assert.Equal(expected, outcomes[k].Perturbed);
        }
    }

    [Fact]
    public void ZeroEpsilon_LeavesTheExplanationUnchanged()
    {
        var labels = Labels();
        var o = _attack.Run(_tests, labels, [0, 1], 0, new InfluenceAttackOptions());
        Assert.All(o, r => { Assert.Equal(1.0, r.Spearman, 12); Assert.Equal(5, r.TopKept); Assert.True(r.HeadLabelKept && r.NetworkLabelKept); });
    }

    [Fact]
    public void RandomSign_IsSeededPerTestPointAndEpsilon()
    {
        var labels = Labels();
        var options = new InfluenceAttackOptions { Kind = InfluenceAttackKind.RandomSign, Seed = 3 };
        var a = _attack.Run(_tests, labels, [5, 6], 4, options);
        var b = _attack.Run(_tests, labels, [5, 6], 4, options);
        var c = _attack.Run(_tests, labels, [7, 6], 4, options);
        Assert.Equal(a[0].Perturbed, b[0].Perturbed);
        Assert.NotEqual(a[0].Perturbed, c[0].Perturbed);
        Assert.Equal(a[1].Perturbed, c[1].Perturbed);
    }

    [Fact]
    public void NormalizedObjectiveDerivative_MatchesFiniteDifference()
    {
        double[] influence = [-0.3, 0.1, -0.7, 0.25, -0.05];
        int[] targets = [2, 0];
        var d = InfluenceAttack.ObjectiveDerivative(influence, targets, InfluenceObjective.Normalised);
        for (int i = 0; i < influence.Length; i++)
        {
            var p = (double[])influence.Clone(); p[i] += 1e-7;
            var m = (double[])influence.Clone(); m[i] -= 1e-7;
            double fd = (InfluenceAttack.ObjectiveValue(p, targets, InfluenceObjective.Normalised) - InfluenceAttack.ObjectiveValue(m, targets, InfluenceObjective.Normalised)) / 2e-7;
            Assert.Equal(fd, d[i], 7);
        }
    }
}
