using Fragility.Models.Import;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Import;

/// <summary>Malformed and hostile ONNX graphs (tools/fixtures/make_zoo_fixtures.py, hostile/) are refused at import
/// with one line naming the problem, before libtorch sees them (a libtorch error would abort the test process).</summary>
public class HostileGraphTests
{
    public static readonly TheoryData<string, string> Cases = new()
    {
        { "conv-channels", "convolves 3 input channels with a weight [4,2,3,3]" },
        { "gemm-inner", "cannot multiply [1,4] by [10,5]" },
        { "add-broadcast", "cannot broadcast shapes [1,4,8,8] and [3,8,8]" },
        { "reshape-count", "cannot reshape [1,4,8,8]" },
        { "missing-initializer", "reads 'conv_w', which no node, initializer or input defines" },
        { "cycle", "has a cycle" },
        { "huge-initializer", "more than 268435456 elements" },
        { "huge-expand", "more than 268435456 elements" },
        { "huge-constantofshape", "more than 268435456 elements" },
        { "external-escape", "outside the model's folder" },
        { "external-absolute", "outside the model's folder" },
        { "external-missing", "external data file 'no-such-weights.bin'" },
        { "external-range", "reads bytes 100000.." },
        { "unknown-domain", "from domain 'com.microsoft'" },
        { "gather-range", "gathers indices [9] from a dimension of size 4" },
        { "dynamic-size", "fixed C, H and W" },
        { "truncated-data", "not a whole number of values" },
        { "negative-dims", "negative dimension" },
        { "transpose-perm", "not a permutation" },
        { "split-sizes", "into [3,3]" },
        { "pad-reflect", "reflects 9/9 rows of a dimension of size 8" },
        { "slice-axis", "slices axis 7 of a rank-4 tensor" },
        { "pool-window", "larger than its padded input" },
        { "fixed-batch", "fixes its batch size" },
        { "huge-stride", "out of range" },
        { "two-producers", "defined twice" },
    };

    private static string Path(string name) => ImportFixtures.Path($"zoo/hostile/{name}.onnx");

    [Theory]
    [MemberData(nameof(Cases))]
    public void HostileGraph_IsRefusedWithOneLineNamingTheProblem(string name, string expected)
    {
        var e = Assert.Throws<FragilityException>(() => OnnxNetwork.Load(Path(name)).Dispose());
        ImportFixtures.AssertOneLine(e);
        Assert.Contains(expected, e.Message);
        Assert.Contains($"{name}.onnx", e.Message);
    }

    [Fact]
    public void ExternalData_InsideTheModelFolder_IsRead_AndMatchesOnnxRuntime()
    {
        using var net = OnnxNetwork.Load(Path("external-ok"));
        torch.manual_seed(4);
        using var x = torch.randn(3, 3, 8, 8);
        using var ours = net.forward(x);
        using var ort = ImportFixtures.OnnxRuntime("zoo/hostile/external-ok.onnx", x);
        ImportFixtures.AssertClose(ours, ort, 1e-5, 1e-4, "external weights vs ONNX Runtime");
    }

    [Fact]
    public void ExternalData_ThroughALinkLeavingTheFolder_IsRefused()
    {
        string root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fragility-{Guid.NewGuid():N}");
        string folder = System.IO.Path.Combine(root, "model");
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(Path("external-ok"), System.IO.Path.Combine(folder, "external-ok.onnx"));
            // The real data, but outside the model's folder, reached through a link inside it.
            File.Copy(ImportFixtures.Path("zoo/hostile/external-ok.bin"), System.IO.Path.Combine(root, "outside.bin"));
            File.CreateSymbolicLink(System.IO.Path.Combine(folder, "external-ok.bin"), System.IO.Path.Combine(root, "outside.bin"));
            var e = Assert.Throws<FragilityException>(() => OnnxNetwork.Load(System.IO.Path.Combine(folder, "external-ok.onnx")).Dispose());
            ImportFixtures.AssertOneLine(e);
            Assert.Contains("outside the model's folder", e.Message);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void AnUnusedSecondOutput_DoesNotStopTheImport()
    {
        using var net = OnnxNetwork.Load(Path("pool-indices-ok"));
        torch.manual_seed(5);
        using var x = torch.randn(2, 3, 8, 8);
        using var ours = net.forward(x);
        using var ort = ImportFixtures.OnnxRuntime("zoo/hostile/pool-indices-ok.onnx", x);
        ImportFixtures.AssertClose(ours, ort, 1e-5, 1e-4, "MaxPool with an indices output vs ONNX Runtime");
    }

    [Fact]
    public void AnImageOfAnotherSize_IsRefusedBeforeLibtorchSeesIt()
    {
        using var net = OnnxNetwork.Load(Path("external-ok"));
        using var x = torch.randn(1, 3, 9, 8);
        var e = Assert.Throws<FragilityException>(() => net.forward(x));
        ImportFixtures.AssertOneLine(e);
        Assert.Contains("[N,3,8,8]", e.Message);
    }
}
