namespace Fragility.Tests.Cli;

[Collection("console")]
public class BadInputTests
{
    [Fact]
    public void MissingModelFile_IsOneLineError()
    {
        var (code, _, err) = CliHarness.Run("evaluate", "--model", "/nonexistent/model.safetensors", "--dataset", "sample");
        Assert.Equal(CliRunnerCodes.User, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("does not exist", err);
    }

    [Fact]
    public void UnknownDataset_IsOneLineErrorListingTheValidNames()
    {
        var (code, _, err) = CliHarness.Run("evaluate", "--dataset", "imagenet-21k");
        Assert.Equal(CliRunnerCodes.User, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("fashion-mnist", err);
    }

    [Fact]
    public void MissingDataFolder_IsOneLineError()
    {
        var (code, _, err) = CliHarness.Run("train", "--dataset", "mnist", "--data", "/nonexistent/mnist", "--epochs", "1");
        Assert.Equal(CliRunnerCodes.User, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("/nonexistent/mnist", err);
    }

    [Fact]
    public void NonPositiveEpochs_IsOneLineError()
    {
        var (code, _, err) = CliHarness.Run("train", "--dataset", "sample", "--epochs", "0");
        Assert.Equal(CliRunnerCodes.User, code);
        Assert.Contains("--epochs", err);
    }

    [Fact]
    public void WeightDecayTwice_IsOneLineError()
    {
        var (code, _, err) = CliHarness.Run("train", "--dataset", "sample", "--epochs", "1", "--weight-decay", "0.01",
            "--regularise", "weight_decay", "--lambda", "0.01", "--out", Path.Combine(Path.GetTempPath(), "never-written.safetensors"));
        Assert.Equal(CliRunnerCodes.User, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("use one of them", err);
    }

    [Theory]
    [InlineData("train", "--regularise", "pgd:steps=2.5")]
    [InlineData("defend", "--defences", "smoothgrad:n=2.5")]
    [InlineData("defend", "--defences", "ig_steps:10.5")]
    public void FractionalCounts_AreRejected(string command, string option, string spec)
    {
        var args = command == "train"
            ? new[] { command, "--dataset", "sample", "--epochs", "1", option, spec, "--lambda", "1" }
            : new[] { command, "--dataset", "sample", option, spec };
        var (code, _, err) = CliHarness.Run(args);
        Assert.Equal(CliRunnerCodes.User, code);
        Assert.Contains("whole number", err);
    }
}

internal static class CliRunnerCodes
{
    public const int User = Fragility.Cli.Infrastructure.CliRunner.UserError;
}
