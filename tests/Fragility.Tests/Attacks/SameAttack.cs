using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Models;
using Fragility.Models.Import;
using Fragility.Tests.Import;
using TorchSharp;

namespace Fragility.Tests.Attacks;

/// <summary>For the tests that a saving changes no number: the models they run on (the shipped CNN or an imported zoo
/// graph) and the bit-for-bit comparison of two attack runs.</summary>
internal static class SameAttack
{
    /// <summary>The shipped model ("shipped") or the imported zoo graph of that name.</summary>
    public static Classifier Model(string name) => name == "shipped"
        ? ModelStore.Load(null)
        : OnnxPropagationTests.Wrap(OnnxNetwork.Load(ImportFixtures.Path($"zoo/{name}.onnx")));

    /// <summary>The first <paramref name="n"/> sample images for the shipped model, or the zoo graph's fixture inputs.</summary>
    public static torch.Tensor Inputs(string name, int n)
    {
        if (name != "shipped") return ImportFixtures.Npy($"zoo/{name}-inputs.npy").narrow(0, 0, n);
        using var data = Fragility.Data.DatasetCatalog.Load(Fragility.Data.DatasetCatalog.Sample, Fragility.Data.DatasetSplit.Test, null, limit: n);
        return data.Images.clone();
    }

    /// <summary>The savings of <see cref="FragilityAttack"/>, each on by default.</summary>
    public sealed record Savings(bool ShareMaps = true, bool ReuseReferencePass = true, bool LabelsFromMapPass = true);

    /// <summary>Runs a top-k attack (eps 8, step 1, 4 iterations, k 10, zero reference) of <paramref name="methodName"/>
    /// on model <paramref name="modelName"/> with the savings <paramref name="savings"/> gives for true and for false,
    /// and asserts the two runs the same bit for bit.</summary>
    public static void TopKRunsAgree(string modelName, string methodName, Func<bool, Savings> savings)
    {
        using var model = Model(modelName);
        using var x0 = Inputs(modelName, modelName == "shipped" ? 3 : 2);
        var method = AttributionMethods.Create(methodName, new AttributionOptions { Reference = new ZeroReference() });
        using var clean = CleanReference.Compute(model, method, x0);
        var settings = new AttackSettings { Epsilon = 8, Step = 1, Iterations = 4, K = 10 };
        // Every iterate's judgement too, not only the returned ones: step, labels, confidences, criterion.
        AttackBatchResult Run(Savings s, List<string> seen) =>
            new FragilityAttack(AttackNames.TopK, model, method, c => new TopKObjective(c.Maps, 10), settings)
            {
                ShareMaps = s.ShareMaps, ReuseReferencePass = s.ReuseReferencePass, LabelsFromMapPass = s.LabelsFromMapPass,
            }.Run(clean, null, it => seen.Add(string.Join(' ', [it.Step, .. it.Labels, .. it.Confidence.Select(c => BitConverter.SingleToInt32Bits(c)), .. it.Criterion.Select(BitConverter.DoubleToInt64Bits)])));
        List<string> savedSteps = [], plainSteps = [];
        using var saved = Run(savings(true), savedSteps);
        using var plain = Run(savings(false), plainSteps);
        AssertSame(plain, saved);
        Assert.Equal(settings.Iterations, plainSteps.Count);
        Assert.Equal(plainSteps, savedSteps);
    }

    /// <summary>Asserts the same iterates, maps and outcomes bit for bit, and that the steps ran (some input moved).</summary>
    public static void AssertSame(AttackBatchResult expected, AttackBatchResult actual)
    {
        Assert.True(actual.Perturbed.eq(expected.Perturbed).all().item<bool>(), "the iterates differ");
        Assert.True(actual.PerturbedMaps.eq(expected.PerturbedMaps).all().item<bool>(), "the maps differ");
        Assert.Equal(expected.Outcomes, actual.Outcomes);
        Assert.Contains(actual.Outcomes, o => o.LinfPixels > 0);
    }
}
