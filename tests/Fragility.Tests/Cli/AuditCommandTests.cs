using Fragility.Audit;
using Fragility.Tests.Import;

namespace Fragility.Tests.Cli;

/// <summary><c>fragility audit</c> from the command line: a small audit of the shipped model writes its score card
/// and resumes; --fail-if sets the exit code; bad input gets one line and exit 2.</summary>
[Collection("console")]
public sealed class AuditCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"fragility-audit-cli-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string Out => Path.Combine(_dir, "audit");

    private static readonly string[] Small = ["--images", "4", "--iterations", "3", "--methods", "gradient,lrp", "--epsilons", "4,8", "--batch-size", "4"];

    [Fact]
    public void AuditsTheShippedModelResumesAndGates()
    {
        var (code, output, error) = CliHarness.Run(["audit", "--out", Out, .. Small]);
        Assert.True(code == 0, error);
        Assert.Contains("Verdict:", output);
        Assert.Contains("chose 4 of", output);
        var card = ScoreCardFiles.Read(Out);
        Assert.Equal(["gradient", "lrp"], card.Methods.Select(m => m.Method));
        Assert.Equal("sample", card.Dataset);
        Assert.Single(card.Defences);   // beta-smoothing of the gradient; smoothgrad was not audited

        // The same command again resumes the planned audit (no calibration) and, given a gate the verdict trips, exits 1.
        (code, output, error) = CliHarness.Run(["audit", "--out", Out, .. Small, "--fail-if", "1"]);
        Assert.Equal(AuditCommandGate, code);
        Assert.Contains("Resuming the planned audit", output);
        Assert.Contains("audit gate:", error);

        (code, _, error) = CliHarness.Run(["audit", "--out", Out, .. Small, "--fail-if", "0"]);
        Assert.True(code == 0, error);

        // 'fragility report' on an audit folder keeps the score card first.
        string html = Path.Combine(_dir, "again.html");
        Assert.Equal(0, CliHarness.Run("report", Out, "--out", html).Code);
        string text = File.ReadAllText(html);
        Assert.True(text.IndexOf("Score card", StringComparison.Ordinal) < text.IndexOf("id=\"claim\"", StringComparison.Ordinal));
    }

    private const int AuditCommandGate = 1;

    [Fact]
    public void AnotherAuditInTheSameFolderIsRefused()
    {
        Assert.Equal(0, CliHarness.Run(["audit", "--out", Out, .. Small]).Code);
        string[] other = ["--images", "3", "--iterations", "3", "--methods", "gradient", "--epsilons", "8"];
        var (code, _, error) = CliHarness.Run(["audit", "--out", Out, .. other]);
        AssertOneLineError(code, error, "--overwrite");
        Assert.Equal(0, CliHarness.Run(["audit", "--out", Out, .. other, "--overwrite"]).Code);
    }

    [Fact]
    public void HostileOrCutAuditFilesAreRefusedOrRepaired()
    {
        Assert.Equal(0, CliHarness.Run(["audit", "--out", Out, .. Small]).Code);
        string checks = Path.Combine(Out, "checks.jsonl");
        // A kill in the middle of a line of checks.jsonl: the cut line is dropped and its method checked again.
        var lines = File.ReadAllLines(checks);
        File.WriteAllText(checks, lines[0] + "\n" + lines[1][..(lines[1].Length / 2)]);
        var (code, _, error) = CliHarness.Run(["audit", "--out", Out, .. Small]);
        Assert.True(code == 0, error);
        Assert.Equal(lines.Length, File.ReadAllLines(checks).Length);
        // A complete line that is not a record, and a plan that is not JSON, are refused with the fix.
        File.WriteAllText(checks, "{\"method\": 3}\n");
        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, .. Small]), "checks.jsonl");
        File.WriteAllText(Path.Combine(Out, "audit.json"), "{ not json");
        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, .. Small]), "--overwrite");
    }

    [Fact]
    public void BadInputGetsOneLineAndExitTwo()
    {
        Directory.CreateDirectory(_dir);
        string empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        string garbage = Path.Combine(_dir, "model.onnx");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8]);

        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, "--data", empty]), "image");
        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, "--model", garbage]), "onnx");
        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, "--model", ImportFixtures.Path("ops-cnn.onnx"), "--dataset", "sample", "--reference", "zero"]), "expects");
        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, "--budget", "1s"]), "too small");
        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, "--budget", "soon"]), "--budget");
        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, "--fail-if", "sometimes"]), "--fail-if");
        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, "--methods", "gradient,nope"]), "nope");
        AssertOneLineError(CliHarness.Run(["audit", "--out", Out, "--model", Path.Combine(_dir, "missing.safetensors")]), "does not exist");
    }

    private static void AssertOneLineError((int Code, string Out, string Err) run, string mentions) => AssertOneLineError(run.Code, run.Err, mentions);

    private static void AssertOneLineError(int code, string error, string mentions)
    {
        Assert.True(code == 2, $"exit {code}: {error}");
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error:", lines[0]);
        Assert.Contains(mentions, lines[0], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", error);
    }
}
