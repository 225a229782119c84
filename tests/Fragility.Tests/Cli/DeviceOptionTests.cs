using Fragility.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Cli;

/// <summary>--device on every command that computes, and its one-line refusals.</summary>
[Collection("console")]
public class DeviceOptionTests
{
    public static TheoryData<string[]> ComputingCommands => new(
        ["explain"], ["attack"], ["audit"], ["sweep"], ["influence"], ["influence-attack"], ["defend"], ["train"], ["evaluate"], ["import"],
        ["geometry", "toy"], ["geometry", "dimension"], ["geometry", "angles"], ["geometry", "spectrum"], ["geometry", "lipschitz"], ["geometry", "transfer"]);

    [Theory]
    [MemberData(nameof(ComputingCommands))]
    public void EveryComputingCommand_HasTheDeviceOption_DefaultCpu(string[] command)
    {
        var (code, output, _) = CliHarness.Run([.. command, "--help"]);
        Assert.Equal(0, code);
        int at = output.IndexOf("--device", StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{string.Join(' ', command)}' has no --device");
        Assert.Contains("[default: cpu]", output[at..]);
    }

    [Fact]
    public void CudaWithoutACudaBuild_IsOneLineNamingTheFix()
    {
        if (torch.cuda.is_available()) return;   // a CUDA build on a GPU machine runs instead; the tests target the CPU build
        var (code, _, err) = CliHarness.Run("explain", "--device", "cuda", "--input", "dataset:1", "--methods", "gradient");
        Assert.Equal(CliRunnerCodes.User, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("-p:TorchBackend=cuda", err);
        Assert.Contains("NVIDIA GPU", err);
        // The refusal came before any tensor was made on a device: the default is still the CPU.
        Assert.Equal(DeviceType.CPU, torch.get_default_device().type);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:one")]
    public void AnythingButCpuCudaOrCudaN_IsOneLineListingTheForms(string device)
    {
        var (code, _, err) = CliHarness.Run("evaluate", "--dataset", "sample", "--device", device);
        Assert.Equal(CliRunnerCodes.User, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("cpu, cuda or cuda:N", err);
    }

    [Theory]
    [InlineData("cpu", DeviceType.CPU, -1)]
    [InlineData(" CPU ", DeviceType.CPU, -1)]
    [InlineData("cuda", DeviceType.CUDA, -1)]
    [InlineData("cuda:0", DeviceType.CUDA, 0)]
    [InlineData("CUDA:3", DeviceType.CUDA, 3)]
    public void ParseDevice_ReadsTheThreeForms(string text, DeviceType type, int index) =>
        Assert.Equal((type, index), TorchRuntime.ParseDevice(text));

    [Fact]
    public void ExplainOnCpu_RunsThere()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fragility-device-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, _, err) = CliHarness.Run("explain", "--device", "cpu", "--input", "dataset:1", "--methods", "gradient", "--out", dir);
            Assert.True(code == 0, err);
            Assert.True(File.Exists(Path.Combine(dir, "explanations.jsonl")));
            Assert.Equal(DeviceType.CPU, TorchRuntime.Device.type);
            Assert.Equal(DeviceType.CPU, torch.get_default_device().type);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
