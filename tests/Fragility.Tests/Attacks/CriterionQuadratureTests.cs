using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.Metrics;
using Fragility.Models;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Fragility.Tests.Attacks;

/// <summary>The cheaper criterion of the iterative attacks (issue 18): as complete as the paper's 100 right-Riemann
/// points on the shipped model, picking (nearly) the paper's iterate, and the paper's setting unchanged. One torch
/// thread: on the shared 2-core machine two threads made the shipped-model attacks minutes slower.</summary>
public class CriterionQuadratureTests(ITestOutputHelper output) : OneTorchThread
{
    [Fact]
    public void DefaultRule_IsAsCompleteAs100RightRiemannPoints_OnTheShippedModel_CleanAndPerturbed()
    {
        using var model = ModelStore.Load(null);
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 64);
        var reference = References.Create(model, "mean");
        var paper = new IntegratedGradients(100, IntegrationRule.RiemannRight, reference);
        var cheap = (IntegratedGradients)CriterionQuadrature.Default.MethodFor(paper)!;
        Assert.True(cheap.Steps < paper.Steps);
        using var r = reference.For(data.Images);
        // The attack's iterates are up to 8/255 away from the clean images: a random-sign step of that size.
        using var generator = new torch.Generator(5);
        using var sign = torch.randint(0, 2, data.Images.shape, generator: generator, dtype: ScalarType.Float32).mul(2).sub(1);
        using var perturbed = (data.Images + sign * (8.0 / 255)).clamp(0, 1);
        foreach (var (name, x) in new[] { ("clean", data.Images), ("perturbed", perturbed) })
        {
            using var target = torch.tensor(model.Predict(x).Labels);
            // Truth: score_y(x) - score_y(r), which Completeness compares each attribution's sum with.
            CompletenessError Error(IntegratedGradients ig)
            {
                using var a = ig.Attribute(model, x, target);
                return Completeness.Measure(model, x, r, target, a);
            }
            var e100 = Error(paper);
            var e = Error(cheap);
            output.WriteLine($"{name}: riemann_right:100 mean {e100.Absolute.Average():E3} max {e100.MaxAbsolute:E3}; {CriterionQuadrature.Default} mean {e.Absolute.Average():E3} max {e.MaxAbsolute:E3}");
            Assert.True(e.Absolute.Average() <= e100.Absolute.Average(), $"{name}: mean absolute error {e.Absolute.Average():E3} > {e100.Absolute.Average():E3}");
            Assert.True(e.MaxAbsolute <= e100.MaxAbsolute, $"{name}: largest absolute error {e.MaxAbsolute:E3} > {e100.MaxAbsolute:E3}");
        }
    }

    [Fact]
    public void CheapCriterion_ReturnsNearlyThePapersIterate_OnTheShippedModel()
    {
        using var model = ModelStore.Load(null);
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 8);
        var reference = References.Create(model, "mean");
        var evaluation = new IntegratedGradients(100, IntegrationRule.RiemannRight, reference);
        var gradient = evaluation.WithPoints(IntegrationRule.RiemannRight, 20);
        var criterion = CriterionQuadrature.Default.MethodFor(evaluation)!;
        using var clean = CleanReference.Compute(model, evaluation, data.Images);
        var settings = new AttackSettings { Epsilon = 8, Step = 1, Iterations = 12 };
        using var paper = FragilityAttack.TopK(model, evaluation, settings, gradient).Run(clean);
        using var cheap = FragilityAttack.TopK(model, evaluation, settings, gradient, criterion).Run(clean);
        int k = settings.ResolveK(clean.Height, clean.Width);
        // Both report the evaluation method's map of their returned iterate: recomputed here, it is the same.
        using (var again = SaliencyMaps.FromAttribution(evaluation.Attribute(model, cheap.Perturbed, clean.LabelTensor)))
            Assert.True(torch.allclose(again, cheap.PerturbedMaps, rtol: 1e-4, atol: 1e-7));
        var paperTopK = TopKIntersection.Batch(clean.Maps.flatten(1), paper.PerturbedMaps.flatten(1), k);
        var cheapTopK = TopKIntersection.Batch(clean.Maps.flatten(1), cheap.PerturbedMaps.flatten(1), k);
        var between = TopKIntersection.Batch(paper.PerturbedMaps.flatten(1), cheap.PerturbedMaps.flatten(1), k);
        for (int i = 0; i < clean.Count; i++)
        {
            output.WriteLine($"image {i}: top-k vs clean paper {paperTopK[i]:F4} cheap {cheapTopK[i]:F4}; returned maps' overlap {between[i]:F4}; failed {paper.Outcomes[i].Failed}/{cheap.Outcomes[i].Failed}");
            Assert.Equal(paper.Outcomes[i].Failed, cheap.Outcomes[i].Failed);
            Assert.Equal(cheapTopK[i], cheap.Outcomes[i].Criterion, 12);
            // Both choose among the same iterates; the paper's choice is the best by the evaluation map, so the cheap one
            // can only be as good or worse by that measure.
            Assert.True(cheapTopK[i] >= paperTopK[i] - 1e-12);
        }
        // Measured with 16 images and 20 iterations: mean gap 0.0056 (11 of 16 identical), mean overlap of the returned maps 0.979.
        double gap = cheapTopK.Average() - paperTopK.Average();
        output.WriteLine($"mean top-k vs clean: paper {paperTopK.Average():F4}, cheap {cheapTopK.Average():F4} (gap {gap:F4}); mean overlap of the returned maps {between.Average():F4}");
        Assert.True(gap <= 0.02, $"the cheap criterion's returned maps are {gap:F4} less attacked on average (tolerance 0.02)");
    }

    [Fact]
    public void PapersSetting_IsTheEvaluationMethod_AndGivesBitIdenticalResults()
    {
        var ig = new IntegratedGradients(100);
        Assert.Null(CriterionQuadrature.Parse("paper")?.MethodFor(ig));
        Assert.Null(CriterionQuadrature.Default.MethodFor(new SimpleGradient()));   // non-IG methods are unaffected
        Assert.Null(CriterionQuadrature.Default.MethodFor(new IntegratedGradients(40)));   // never a costlier criterion
        Assert.Equal(CriterionQuadrature.Default, CriterionQuadrature.Parse(CriterionQuadrature.Default.ToString()));
        Assert.Throws<FragilityException>(() => CriterionQuadrature.Parse("gausslegendre"));
        Assert.Throws<FragilityException>(() => CriterionQuadrature.Parse("trapezoid:1"));

        using var model = AttackTestModels.Trained();
        var (images, _) = AttackTestModels.Blobs(4, seed: 31);
        using var x0 = images;
        var evaluation = new IntegratedGradients(12);
        var gradient = new IntegratedGradients(4);
        using var clean = CleanReference.Compute(model, evaluation, x0);
        var settings = new AttackSettings { Epsilon = 16, Step = 2, Iterations = 6 };
        foreach (string name in new[] { AttackNames.TopK, AttackNames.MassCenter })
        {
            using var old = AttackFactory.Create(name, model, evaluation, settings, gradient).Run(clean);
            using var paper = AttackFactory.Create(name, model, evaluation, settings, gradient, criterionMethod: evaluation).Run(clean);
            // A distinct instance of the same method goes through the cheap path (own clean maps, maps recomputed at
            // the end) and must still pick the same iterates with the same maps.
            using var twin = AttackFactory.Create(name, model, evaluation, settings, gradient, criterionMethod: new IntegratedGradients(12)).Run(clean);
            Assert.True(Same(old.Perturbed, paper.Perturbed) && Same(old.PerturbedMaps, paper.PerturbedMaps));
            Assert.Equal(old.Outcomes, paper.Outcomes);
            Assert.True(Same(old.Perturbed, twin.Perturbed));
            Assert.True(torch.allclose(old.PerturbedMaps, twin.PerturbedMaps, rtol: 1e-5, atol: 1e-8));
            for (int i = 0; i < clean.Count; i++) Assert.Equal(old.Outcomes[i].Criterion, twin.Outcomes[i].Criterion, 9);
        }
    }

    private static bool Same(Tensor a, Tensor b)
    {
        using var equal = a.eq(b).all();
        return a.shape.SequenceEqual(b.shape) && equal.item<bool>();
    }
}
