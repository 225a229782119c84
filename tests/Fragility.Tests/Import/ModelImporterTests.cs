using Fragility.IO;
using Fragility.Models;
using Fragility.Models.Import;
using Fragility.Tests.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Import;

[Collection("console")]
public class ModelImporterTests
{
    private static string TempFile(string ext) => Path.Combine(Path.GetTempPath(), $"fragility-{Guid.NewGuid():N}{ext}");

    private static Tensor Forward(Classifier model, Tensor x)
    {
        using var _ = torch.no_grad();
        return model.forward(x);
    }

    [Fact]
    public void SqueezeNetPth_IntoTheRegistryArchitecture_GivesPyTorchsLogits()
    {
        var result = ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("squeezenet1_1.pth"), Architecture = ModelRegistry.SqueezeNet11 });
        using var model = result.Model;
        Assert.Equal("pytorch", result.Format);
        Assert.Equal("imagenet", result.Preset.Name);                      // auto for squeezenet1_1
        Assert.Equal(Preprocessing.ImageNet, model.Metadata.Preprocessing);
        Assert.Equal(1000, model.ClassCount);
        Assert.Equal("toilet tissue", model.Metadata.ClassNames[999]);
        using var pixels = ImportFixtures.Npy("squeezenet-inputs.npy");
        using var y = Forward(model, pixels);
        using var reference = ImportFixtures.Npy("squeezenet-logits.npy");
        ImportFixtures.AssertClose(y, reference, 1e-4, 1e-4, "squeezenet1_1 .pth vs PyTorch");
        Assert.True(reference.abs().max().item<float>() > 0.5f, "reference logits are trivially small");
    }

    [Fact]
    public void SmallCnnPth_WithFashionMnistPreset_GivesPyTorchsLogits_AndSurvivesSaveAndLoad()
    {
        string path = TempFile(".safetensors");
        try
        {
            var result = ModelImporter.ImportAndSave(new ImportOptions { Source = ImportFixtures.Path("small-cnn.pth"), Architecture = ModelRegistry.SmallCnn }, path);
            result.Model.Dispose();
            using var model = ModelStore.Load(path);
            Assert.Equal(ModelRegistry.SmallCnn, model.Metadata.Architecture);
            Assert.Equal("fashion-mnist", model.Metadata.Dataset);
            Assert.Equal("Ankle boot", model.Metadata.ClassNames[9]);
            Assert.Equal("small-cnn.pth", model.Metadata.Training!["imported_from"]);
            using var pixels = ImportFixtures.Npy("small-cnn-inputs.npy");
            using var y = Forward(model, pixels);
            using var reference = ImportFixtures.Npy("small-cnn-logits.npy");
            ImportFixtures.AssertClose(y, reference, 1e-5, 1e-4, "small-cnn .pth vs PyTorch");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BareSafetensorsStateDict_ImportsIntoArch()
    {
        // A state_dict written as safetensors without Fragility metadata (as Hugging Face tools write them).
        string bare = TempFile(".safetensors");
        var sd = PyTorchStateDictFile.Read(ImportFixtures.Path("small-cnn.pth"));
        try
        {
            SafeTensorsFile.Write(bare, sd);
            var e = Assert.Throws<FragilityException>(() => ModelStore.Load(bare));
            Assert.Contains("fragility import", e.Message);
            var result = ModelImporter.Import(new ImportOptions { Source = bare, Architecture = ModelRegistry.SmallCnn });
            using var model = result.Model;
            Assert.Equal("safetensors", result.Format);
            using var pixels = ImportFixtures.Npy("small-cnn-inputs.npy");
            using var y = Forward(model, pixels);
            using var reference = ImportFixtures.Npy("small-cnn-logits.npy");
            ImportFixtures.AssertClose(y, reference, 1e-5, 1e-4, "small-cnn safetensors vs PyTorch");
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
            File.Delete(bare);
        }
    }

    [Fact]
    public void WrongArchitecture_IsOneLineErrorNamingTheKeys()
    {
        var e = Assert.Throws<FragilityException>(() => ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("small-cnn.pth"), Architecture = ModelRegistry.PaperCnn }));
        ImportFixtures.AssertOneLine(e);
        Assert.Contains("do not fit the architecture", e.Message);
        Assert.Contains("unexpected: features.3.weight", e.Message);      // small-cnn's second conv sits where paper-cnn has a ReLU
        Assert.Contains("missing: features.2.weight", e.Message);
        Assert.Contains("wrong shape: features.0.weight (model [96,3,3,3], file [16,1,3,3])", e.Message);
    }

    [Fact]
    public void LabelsFile_GivesTheClassNames_AndAMismatchedCountIsRefused()
    {
        string labels = TempFile(".txt");
        try
        {
            File.WriteAllLines(labels, ["zero", "one", "two", "three", "four", ""]);
            var result = ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("ops-cnn.onnx"), Onnx = true, LabelsFile = labels });
            using (result.Model) Assert.Equal(new[] { "zero", "one", "two", "three", "four" }, result.Model.Metadata.ClassNames);
            File.WriteAllLines(labels, ["a", "b", "c"]);
            var e = Assert.Throws<FragilityException>(() => ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("ops-cnn.onnx"), Onnx = true, LabelsFile = labels }));
            ImportFixtures.AssertOneLine(e);
            Assert.Contains("outputs 5 scores but 3 class names", e.Message);
        }
        finally { File.Delete(labels); }
    }

    [Fact]
    public void OnnxGeometryConflictingWithThePreset_IsRefused()
    {
        var e = Assert.Throws<FragilityException>(() => ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("ops-cnn.onnx"), Onnx = true, Preprocess = "imagenet" }));
        ImportFixtures.AssertOneLine(e);
        Assert.Contains("declares input 3x16x16", e.Message);
    }

    [Fact]
    public void NeitherOrBothOfArchAndOnnx_IsRefused()
    {
        var e1 = Assert.Throws<FragilityException>(() => ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("small-cnn.pth") }));
        var e2 = Assert.Throws<FragilityException>(() => ModelImporter.Import(new ImportOptions { Source = ImportFixtures.Path("small-cnn.pth"), Architecture = ModelRegistry.SmallCnn, Onnx = true }));
        Assert.Contains("--arch", e1.Message);
        Assert.Contains("--onnx", e2.Message);
    }

    [Fact]
    public void Cli_ImportsAnOnnxModel_ThatEvaluateStyleLoadingAccepts()
    {
        string path = TempFile(".safetensors");
        try
        {
            // Standard output is not checked: Spectre.Console binds to the console writer of its first use in the process.
            var (code, _, err) = CliHarness.Run("import", ImportFixtures.Path("ops-cnn-softmax.onnx"), "--onnx", "--classes", "5", "--out", path);
            Assert.True(code == 0, err);
            using var model = ModelStore.Load(path);
            Assert.Equal(5, model.ClassCount);
            Assert.StartsWith("fragility import ", model.Metadata.Command);
            Assert.Contains("--classes 5", model.Metadata.Command);
            Assert.Equal("true", model.Metadata.Training!["dropped_final_softmax"]);
            Assert.Equal("false", model.Metadata.Training!["layer_chain"]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Cli_MaliciousPickle_ExitsWithOneLineRefusal_AndNothingRuns()
    {
        File.Delete(ImportFixtures.PwnedMarker);
        string path = TempFile(".safetensors");
        var (code, _, err) = CliHarness.Run("import", ImportFixtures.Path("malicious-os-system.pth"), "--arch", "small-cnn", "--out", path);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("global 'posix.system'", err);
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(ImportFixtures.PwnedMarker));
    }
}
