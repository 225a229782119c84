namespace Fragility.Tests.Cli;

/// <summary><c>fragility serve</c>'s bad options end in one line and exit 2 before anything listens (the page itself
/// is tested in tests/Fragility.Serve.Tests).</summary>
[Collection("console")]
public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("--models", "/no/such/folder", "--models")]
    [InlineData("--host", "localhost<script>", "--host")]
    [InlineData("--port", "70000", "--port")]
    [InlineData("--model", "/no/such/model.safetensors", "--model")]
    public void BadOption_IsOneLineError_WithExitTwo(string option, string value, string named)
    {
        var (code, _, err) = CliHarness.Run("serve", option, value);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.Contains(named, err, StringComparison.Ordinal);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void Help_NamesTheLoopbackDefault_AndTheLimits()
    {
        var (code, output, _) = CliHarness.Run("serve", "--help");
        Assert.Equal(0, code);
        Assert.Contains("127.0.0.1", output, StringComparison.Ordinal);
        Assert.Contains("10 MB", output, StringComparison.Ordinal);
    }
}
