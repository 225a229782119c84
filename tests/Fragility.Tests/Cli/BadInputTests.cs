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
}

internal static class CliRunnerCodes
{
    public const int User = Fragility.Cli.Infrastructure.CliRunner.UserError;
}
