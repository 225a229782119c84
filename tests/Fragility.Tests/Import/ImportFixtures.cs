using Fragility.IO;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Import;

/// <summary>The files written by tools/fixtures/make_import_fixtures.py (PyTorch, torchvision and onnx made them;
/// the tests need no Python) and the independent references: PyTorch's logits and ONNX Runtime.</summary>
internal static class ImportFixtures
{
    /// <summary>The payloads of the malicious pickles would create this file.</summary>
    public const string PwnedMarker = "/tmp/fragility-import-pwned-marker";

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "import", name);

    /// <summary>A .npy fixture as a float32 tensor of its shape.</summary>
    public static Tensor Npy(string name)
    {
        var npy = NpyFile.Read(Path(name));
        return torch.tensor(npy.ToSingle(), npy.Shape.Select(d => (long)d).ToArray());
    }

    /// <summary>ONNX Runtime's first output for <paramref name="input"/> (float32, [N, ...]).</summary>
    public static Tensor OnnxRuntime(string onnxFile, Tensor input)
    {
        using var session = new InferenceSession(Path(onnxFile));
        string name = session.InputMetadata.Keys.Single();
        using var c = input.to(ScalarType.Float32).contiguous();
        var dense = new DenseTensor(c.data<float>().ToArray(), c.shape.Select(d => (int)d).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, dense)]);
        var output = results.First().AsTensor<float>();
        return torch.tensor(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray());
    }

    /// <summary>Largest |a - b| / (atol + rtol |b|); at most 1 means "close" in numpy's allclose sense.</summary>
    public static double CloseRatio(Tensor actual, Tensor expected, double atol, double rtol)
    {
        using var a = actual.to(ScalarType.Float64);
        using var b = expected.to(ScalarType.Float64);
        Assert.Equal(b.shape, a.shape);
        using var ratio = (a - b).abs() / (b.abs() * rtol + atol);
        return ratio.max().item<double>();
    }

    /// <summary>Asserts numpy-style closeness |a - b| &lt;= atol + rtol |b| everywhere.</summary>
    public static void AssertClose(Tensor actual, Tensor expected, double atol, double rtol, string what)
    {
        double r = CloseRatio(actual, expected, atol, rtol);
        Assert.True(r <= 1.0, $"{what}: worst |a-b|/(atol+rtol|b|) = {r:G4} (atol {atol}, rtol {rtol})");
    }

    /// <summary>Asserts that <paramref name="e"/> has a one-line message.</summary>
    public static void AssertOneLine(Exception e)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }
}
