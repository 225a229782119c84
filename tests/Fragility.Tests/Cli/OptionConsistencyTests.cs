using System.CommandLine;
using System.Text.RegularExpressions;
using Fragility.Cli.Infrastructure;

namespace Fragility.Tests.Cli;

/// <summary>Help, parser and error messages agree: every option a message names exists, values have one spelling,
/// shared options have one default, and a parse error is one line with exit 2.</summary>
[Collection("console")]
public partial class OptionConsistencyTests
{
    private static IEnumerable<Command> AllCommands(Command c) => new[] { c }.Concat(c.Subcommands.SelectMany(AllCommands));

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Fragility.sln"))) return d.FullName;
        throw new InvalidOperationException("tests run outside the repository");
    }

    [GeneratedRegex("\"[^\"\\n]*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9-]*")]
    private static partial Regex OptionName();

    [Fact]
    public void EveryOptionNamedInTheSourcesStrings_IsAnOptionOfSomeCommand()
    {
        var options = AllCommands(CliApp.BuildRoot()).SelectMany(c => c.Options).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        options.Add("--array");   // sbatch's, named in the Slurm messages
        options.UnionWith(["--v", "--card"]);   // CSS custom properties the report writes in style attributes
        Assert.Contains("--out", options);
        var missing = new SortedSet<string>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")) continue;
            foreach (Match literal in StringLiteral().Matches(File.ReadAllText(file)))
                foreach (Match name in OptionName().Matches(literal.Value))
                    if (!options.Contains(name.Value)) missing.Add($"{name.Value} ({Path.GetFileName(file)})");
        }
        Assert.True(missing.Count == 0, "named in messages or help but no such option: " + string.Join(", ", missing));
    }

    [Fact]
    public void SharedOptions_HaveOneDefaultAcrossCommands()
    {
        foreach (string name in new[] { "--reference", "--ig-rule", "--threads", "--seed", "--device" })
        {
            var defaults = CliApp.BuildRoot().Subcommands.SelectMany(c => c.Options.Where(o => o.Name == name).Select(o => (c.Name, Default: DefaultOf(o)))).ToList();
            Assert.True(defaults.Select(d => d.Default).Distinct().Count() <= 1,
                $"{name} defaults differ: {string.Join(", ", defaults.Select(d => $"{d.Name}={d.Default}"))}");
        }
        // --dataset by the README's rule: commands that look at a few inputs default to the shipped sample (they work
        // with nothing installed); commands that need a data set's training images or its whole test set default to
        // Fashion-MNIST; audit, made for the user's own images, has none: a folder with --data, else the sample.
        foreach (var command in CliApp.BuildRoot().Subcommands)
            foreach (var option in command.Options.Where(o => o.Name == "--dataset"))
                Assert.Equal(command.Name switch { "explain" or "attack" => "sample", "audit" => null, _ => "fashion-mnist" }, DefaultOf(option));
    }

    private static string? DefaultOf(Option option) =>
        option.HasDefaultValue ? option.GetDefaultValue()?.ToString() : null;

    [Fact]
    public void DefaultsAreStatedOnce_ByTheOptionNotByItsDescription()
    {
        // Help prints "[default: X]" for an option with a default; a "Default: X" in its text states it a second time,
        // which is how the two drift apart.
        var twice = AllCommands(CliApp.BuildRoot()).SelectMany(c => c.Options.Where(o => o.HasDefaultValue && (o.Description ?? "").Contains("Default:", StringComparison.Ordinal))
            .Select(o => $"{c.Name} {o.Name}")).Distinct().ToList();
        Assert.True(twice.Count == 0, "default stated in the description too: " + string.Join(", ", twice));
    }

    [Theory]
    [InlineData("attack", "--iterations", "0")]
    [InlineData("attack", "--step", "-1")]
    [InlineData("attack", "--beta", "0")]
    [InlineData("attack", "--epsilon", "300")]
    [InlineData("attack", "--batch-size", "0")]
    [InlineData("explain", "--methods", "gradient,nope")]
    [InlineData("explain", "--ig-steps", "0")]
    [InlineData("defend", "--images", "0")]
    [InlineData("defend", "--epsilons", "1,0")]
    [InlineData("audit", "--epsilons", "1,x")]
    [InlineData("influence", "--solver", "newton")]
    [InlineData("influence-attack", "--attacks", "single-step,teleport")]
    [InlineData("train", "--epochs", "0")]
    [InlineData("train", "--activation", "tanh")]
    public void OutOfRangeValues_AreParseErrors_NamingTheOption(string command, string option, string value)
    {
        var (code, output, err) = CliHarness.Run(command, option, value);
        Assert.Equal(CliRunner.UserError, code);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("error: ", err);
        Assert.Contains(option, err);
    }

    [Theory]
    [InlineData("explain", "--bogus", "1")]
    [InlineData("explain", "--ig-rule", "gauss_legendre")]
    [InlineData("nosuchcommand")]
    [InlineData("sweep", "--images")]
    public void ParseErrors_AreOneLine_WithExitTwo(params string[] args)
    {
        var (code, output, err) = CliHarness.Run(args);
        Assert.Equal(CliRunner.UserError, code);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("error: ", err);
        Assert.Contains("--help", err);
    }

    [Fact]
    public void IgRuleValuesInTheHelp_AreTheOnesTheParserTakes()
    {
        var (code, output, _) = CliHarness.Run("explain", "--help");
        Assert.Equal(0, code);
        foreach (string rule in Fragility.Attribution.PathIntegration.Names) Assert.Contains(rule, output);
        Assert.DoesNotContain("gauss_legendre", output);
        var (ok, _, err) = CliHarness.Run("explain", "--ig-rule", "gausslegendre", "--help");
        Assert.Equal(0, ok);
        Assert.Equal("", err);
    }

    [Fact]
    public void SmoothGradSettings_AreOptionsOfExplain_AndReachTheMethod()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"fragility-sg-{Guid.NewGuid():N}");
        try
        {
            var (code, _, err) = CliHarness.Run("explain", "--input", "dataset:1", "--methods", "smoothgrad", "--smoothgrad-samples", "4", "--smoothgrad-sigma", "10", "--out", dir);
            Assert.True(code == 0, err);
            Assert.Contains("smoothgrad(gradient, n=4, sigma=10/255", File.ReadAllText(Path.Combine(dir, "explanations.jsonl")));
            (code, _, err) = CliHarness.Run("explain", "--input", "dataset:1", "--methods", "smoothgrad", "--smoothgrad-samples", "0", "--out", dir);
            Assert.Equal(CliRunner.UserError, code);
            Assert.Contains("--smoothgrad-samples", err);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }
}
