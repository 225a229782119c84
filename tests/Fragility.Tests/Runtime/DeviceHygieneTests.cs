using System.Runtime.InteropServices;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Tests.Attacks;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Runtime;

/// <summary>The default device is process-wide: these tests change it, so nothing may run beside them.</summary>
[CollectionDefinition("default device", DisableParallelization = true)]
public sealed class DefaultDeviceCollection;

/// <summary>
/// Every tensor of an attack step, a map or a metric is made on the input's device. A CPU-only machine cannot see a
/// wrong GPU, so the tests run with libtorch's default device set to "meta" (shapes only, no data) while the model
/// and the inputs stay on the CPU: a tensor made without a device then lands on meta, and the first operation that
/// mixes it with the input fails ("Expected all tensors to be on the same device"), as a CPU tensor would next to a
/// CUDA input; reading one out fails too. What it cannot see: a tensor made with an explicit wrong device (e.g. a
/// hard-coded torch.CPU), which on the CPU equals the input's, and code paths the tests do not run.
/// </summary>
[Collection("default device")]
public sealed class DeviceHygieneTests : OneTorchThread
{
    private static readonly AttributionOptions Small = new() { IgSteps = 4, SmoothGradSamples = 3, InternalBatchSize = 2 };

    [Fact]
    public void TheMechanism_CatchesATensorMadeWithoutADevice()
    {
        using var x = torch.ones(2, 3);
        var e = Assert.Throws<ExternalException>(() => OnMeta(() => x + torch.zeros(2, 3)));
        Assert.Contains("same device", e.Message);
        // With the input's device named, the same step runs.
        using var fine = OnMeta(() => x + torch.zeros(2, 3, device: x.device));
        Assert.Equal(DeviceType.CPU, fine.device_type);
    }

    public static TheoryData<string> Methods => new(AttributionMethods.Names);

    [Theory]
    [MemberData(nameof(Methods))]
    public void EveryMethodsMap_IsMadeOnTheInputsDevice(string name)
    {
        using var model = AttackTestModels.Trained();
        var (images, _) = AttackTestModels.Blobs(2, seed: 31);
        using var x = images;
        using var target = Predicted(model, x);
        var method = AttributionMethods.Create(name, Small);
        using var expected = SaliencyMaps.FromAttribution(method.Attribute(model, x, target));
        using var map = OnMeta(() => SaliencyMaps.FromAttribution(method.Attribute(model, x, target)));
        Assert.Equal(DeviceType.CPU, map.device_type);
        Assert.Equal(expected.data<float>().ToArray(), map.data<float>().ToArray());
    }

    [Theory]
    [InlineData("ig", "blur")]
    [InlineData("deeplift", "zero")]
    [InlineData("grad_x_input", "blur:1.5")]
    public void References_AreMadeOnTheInputsDevice(string name, string reference)
    {
        using var model = AttackTestModels.Trained();
        var (images, _) = AttackTestModels.Blobs(2, seed: 32);
        using var x = images;
        using var target = Predicted(model, x);
        var method = AttributionMethods.Create(name, Small with { Reference = References.Create(model, reference) });
        using var map = OnMeta(() => method.Attribute(model, x, target));
        Assert.Equal(DeviceType.CPU, map.device_type);
    }

    [Theory]
    [InlineData(AttackNames.TopK, "gradient")]
    [InlineData(AttackNames.MassCenter, "ig")]
    [InlineData(AttackNames.Targeted, "deeplift")]
    [InlineData(AttackNames.TopK, "smoothgrad")]
    [InlineData(AttackNames.Random, "gradient")]
    [InlineData(AttackNames.RandomWalk, "gradient")]
    public void AttackSteps_MakeTheirTensorsOnTheInputsDevice(string attack, string methodName)
    {
        using var model = AttackTestModels.Trained();
        var (images, _) = AttackTestModels.Blobs(3, seed: 33);
        using var x0 = images;
        var method = AttributionMethods.Create(methodName, Small);
        var settings = new AttackSettings { Epsilon = 8, Step = 2, Iterations = 2, Seed = 5 };
        var region = TargetRegion.FromRectangle("0,0,3,3");
        using var plainClean = CleanReference.Compute(model, method, x0);
        using var expected = AttackFactory.Create(attack, model, method, settings, target: region).Run(plainClean);
        using var result = OnMeta(() =>
        {
            using var clean = CleanReference.Compute(model, method, x0);
            return AttackFactory.Create(attack, model, method, settings, target: region).Run(clean);
        });
        Assert.Equal(DeviceType.CPU, result.Perturbed.device_type);
        Assert.Equal(expected.Perturbed.data<float>().ToArray(), result.Perturbed.data<float>().ToArray());
    }

    [Fact]
    public void RobustnessMetrics_MakeTheirTensorsOnTheInputsDevice()
    {
        using var model = AttackTestModels.Trained();
        var (images, labels) = AttackTestModels.Blobs(2, seed: 34);
        using var x = images;
        using var target = Predicted(model, x);
        var method = new SimpleGradient();
        Tensor Explain(Tensor input) => SaliencyMaps.FromAttribution(method.Attribute(model, input, target));
        IExplanationRobustness[] metrics = [new MaxSensitivity(0.05, samples: 3, seed: 1), new AverageSensitivity(0.05, samples: 3, seed: 1), new LocalLipschitzEstimate(0.05, samples: 3, seed: 1)];
        foreach (var metric in metrics)
        {
            var expected = metric.Evaluate(Explain, x);
            var onMeta = OnMeta(() => metric.Evaluate(Explain, x));
            Assert.Equal(expected, onMeta);
        }
        using var maps = Explain(x);
        var (deletion, insertion) = DeletionInsertion.Auc(model, x, maps, labels, steps: 4);
        var (metaDeletion, metaInsertion) = OnMeta(() => DeletionInsertion.Auc(model, x, maps, labels, steps: 4));
        Assert.Equal(deletion, metaDeletion);
        Assert.Equal(insertion, metaInsertion);
        double[] similarity;
        using (ParameterRandomisation.Temporarily(model, seed: 3))
        {
            using var randomised = Explain(x);
            similarity = ParameterRandomisation.Similarity(maps, randomised);
        }
        var metaSimilarity = OnMeta(() =>
        {
            using (ParameterRandomisation.Temporarily(model, seed: 3))
            {
                using var randomised = Explain(x);
                return ParameterRandomisation.Similarity(maps, randomised);
            }
        });
        Assert.Equal(similarity, metaSimilarity);
    }

    /// <summary>Reading a tensor's values (<c>data&lt;T&gt;()</c>) works only on the CPU; on a GPU it throws. The meta
    /// runs above cannot see that (their inputs are on the CPU), so the sources are read instead: every read goes
    /// through <c>.cpu()</c> on the same line, which costs nothing for a tensor already there.</summary>
    [Fact]
    public void EveryReadOfTensorValues_GoesThroughTheCpu()
    {
        var offenders = new List<string>();
        foreach (string folder in new[] { "src/Fragility", "src/Fragility.Cli" })
            foreach (string file in Directory.EnumerateFiles(Fragility.Tests.ScaleOut.RepositoryFiles.Path(folder), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    if (lines[i].Contains(".data<", StringComparison.Ordinal) && !lines[i].Contains(".cpu()", StringComparison.Ordinal) && !lines[i].TrimStart().StartsWith("//", StringComparison.Ordinal))
                        offenders.Add($"{Path.GetRelativePath(Fragility.Tests.ScaleOut.RepositoryFiles.Root, file)}:{i + 1}");
            }
        Assert.True(offenders.Count == 0, "data<T>() without .cpu() (fails on a GPU): " + string.Join(", ", offenders));
    }

    private static Tensor Predicted(Classifier model, Tensor x)
    {
        using var _ = torch.no_grad();
        using var logits = model.forward(x);
        return logits.argmax(1);
    }

    /// <summary>Runs <paramref name="step"/> with libtorch's default device set to meta, then back to the CPU.</summary>
    private static T OnMeta<T>(Func<T> step)
    {
        torch.set_default_device(torch.META);
        try { return step(); }
        finally { torch.set_default_device(torch.CPU); }
    }
}
