using System.CommandLine;
using System.Text.Json.Nodes;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Models;
using Fragility.Tests.Attacks;
using Fragility.Tests.Cli;
using TorchSharp;

namespace Fragility.Tests.Experiments;

/// <summary>The attack and sweep commands end to end, in-process, on an untrained small-cnn and the shipped sample.</summary>
[Collection("console")]
public sealed class AttackAndSweepCommandTests : OneTorchThread
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"fragility-cli-{Guid.NewGuid():N}");
    private readonly string _model;

    public AttackAndSweepCommandTests()
    {
        Directory.CreateDirectory(_root);
        _model = Path.Combine(_root, "model.safetensors");
        torch.manual_seed(3);
        using var classifier = ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SmallCnn, Preprocessing = new Preprocessing { Channels = 1, Height = 28, Width = 28, Mean = [0.29], Std = [0.35] },
            ClassNames = DatasetCatalog.FashionMnistClassNames, Dataset = DatasetCatalog.Sample,
        });
        ModelStore.Save(classifier, _model);
    }

    [Fact]
    public void Sweep_WritesTheFolder_ResumesIt_AndRefusesOtherSettings()
    {
        string dir = Path.Combine(_root, "sweep");
        string[] args = ["sweep", "--model", _model, "--dataset", "sample", "--images", "2", "--methods", "gradient,ig,deeplift", "--attacks", "random,topk",
            "--epsilons", "2,0.5", "--ig-steps", "4", "--attack-steps", "2", "--iterations", "2", "--step", "1", "--batch-size", "2", "--out", dir, "--threads", "1"];
        var (code, output, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("24 cells run, 0 resumed", output);
        // Before the run: an estimate from a calibration; after it: the summary table and the report, as the demo.
        Assert.Matches(@"Estimated time: about \d+ (s|min|h) for the whole grid", output);
        Assert.True(File.Exists(Path.Combine(dir, "report.html")));
        Assert.Equal(24, File.ReadAllLines(Path.Combine(dir, SweepFiles.ResultsFile)).Length);
        foreach (string f in new[] { SweepFiles.RunFile, SweepFiles.SummaryFile, SweepFiles.FigureFile })
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        var run = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, SweepFiles.RunFile)))!;
        Assert.Equal("model.safetensors", run["model"]!.GetValue<string>());
        Assert.StartsWith("fragility sweep", run["command"]!.GetValue<string>());
        // run.json (and so the report's settings) says what the twin changed and its beta.
        Assert.Matches(@"^softplus twin replaces ReLU x\d+; keeps max pools \(beta 1;", run["smooth_twin"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(dir, "arrays", "adv_" + run["image_indices"]![0] + "_deeplift_topk_0.5.npy")));
        // The method descriptions (reference, path points, rule) are part of what the fingerprint covers.
        Assert.Contains("M=4", run["method_descriptions"]!.ToJsonString());
        Assert.Contains("M=2", run["method_descriptions"]!.ToJsonString());

        (code, output, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        Assert.Contains("0 cells run, 24 resumed", output);

        string[] other = [.. args.Select(a => a == "2,0.5" ? "2,4" : a)];
        (code, _, err) = CliHarness.Run(other);
        Assert.Equal(CliRunner.UserError, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--overwrite", err);

        (code, output, err) = CliHarness.Run([.. other, "--overwrite"]);
        Assert.True(code == 0, err);
        Assert.Contains("24 cells run, 0 resumed", output);
    }

    [Fact]
    public void Attack_WritesImagesMapsAndOneMetricsLinePerInput()
    {
        string dir = Path.Combine(_root, "attack");
        var (code, output, err) = CliHarness.Run("attack", "--model", _model, "--input", "dataset:3", "--dataset", "sample", "--attack", "targeted",
            "--target-region", "0,0,8,8", "--epsilon", "4", "--iterations", "2", "--step", "2", "--batch-size", "2", "--out", dir, "--threads", "1");
        Assert.True(code == 0, err);
        Assert.Contains("mean top-k intersection", output);
        foreach (string suffix in new[] { "_clean.png", "_adv.png", "_adv.npy", "_map.npy", "_advmap.npy", "_map.png", "_advmap.png", "_delta.png", "_compare.png" })
            for (int i = 0; i < 3; i++)
                Assert.True(File.Exists(Path.Combine(dir, $"{i:D4}{suffix}")), $"{i:D4}{suffix}");
        var lines = File.ReadAllLines(Path.Combine(dir, AttackExperiment.MetricsFile)).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        Assert.Equal(3, lines.Count);
        Assert.All(lines, l => Assert.Equal("targeted", l["attack"]!.GetValue<string>()));
        Assert.All(lines, l => Assert.True(l["linf"]!.GetValue<double>() <= 4 + 1e-3));
        Assert.All(lines, l => Assert.Equal(2, l["iterations"]!.GetValue<int>()));

        // The exact float perturbation is inside the ball around the clean image.
        using var sample = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 1);
        var clean = sample.Images[0].flatten().data<float>().ToArray();
        var adv = Fragility.IO.NpyFile.ReadSingle(Path.Combine(dir, "0000_adv.npy"), out var shape);
        Assert.Equal(new[] { 1, 28, 28 }, shape);
        Assert.True(clean.Zip(adv).Max(p => Math.Abs(p.First - p.Second)) <= 4 / 255.0 + 1e-6);
    }

    [Theory]
    [InlineData("--epsilon", "300", "(0, 255]")]
    [InlineData("--step", "0", "--step")]
    [InlineData("--iterations", "0", "--iterations")]
    [InlineData("--k", "785", "[1, 784]")]
    [InlineData("--beta", "-1", "--beta")]
    [InlineData("--attack", "targeted", "--target-region")]
    [InlineData("--attack", "fgsm", "mass_center")]
    [InlineData("--target-region", "0,0,40,8", "outside")]
    public void BadAttackOptions_AreOneLineErrors(string option, string value, string expected)
    {
        string[] args = ["attack", "--model", _model, "--input", "dataset:1", "--dataset", "sample", "--out", Path.Combine(_root, "bad"), option, value];
        if (option != "--iterations") args = [.. args, "--iterations", "1"];
        if (option == "--target-region") args = [.. args, "--attack", "targeted"];
        var (code, _, err) = CliHarness.Run(args);
        Assert.Equal(CliRunner.UserError, code);
        Assert.StartsWith("error: ", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(expected, err);
    }

    [Fact]
    public void BadSweepOptions_AreOneLineErrors()
    {
        var (code, _, err) = CliHarness.Run("sweep", "--model", _model, "--dataset", "sample", "--epsilons", "1,x", "--out", Path.Combine(_root, "bad"));
        Assert.Equal(CliRunner.UserError, code);
        Assert.Contains("'x' is not a number", err);
        (code, _, err) = CliHarness.Run("sweep", "--model", _model, "--dataset", "sample", "--methods", "nonsense", "--out", Path.Combine(_root, "bad"));
        Assert.Equal(CliRunner.UserError, code);
        Assert.Contains("nonsense", err);
        Assert.False(Directory.Exists(Path.Combine(_root, "bad")));
    }

    [Fact]
    public void SweepMetrics_ASubsetWritesExactlyThoseColumns_AndAnUnknownNameIsOneLineWithTheAllowedValues()
    {
        string dir = Path.Combine(_root, "metrics");
        string[] args = ["sweep", "--model", _model, "--dataset", "sample", "--images", "2", "--methods", "gradient", "--attacks", "random", "--epsilons", "2",
            "--iterations", "1", "--batch-size", "2", "--out", dir, "--threads", "1", "--metrics", "max_sensitivity,spearman", "--sensitivity-samples", "2"];
        var (code, _, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(Path.Combine(dir, SweepFiles.ResultsFile)).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, lines.Count);
        string[] metrics = [.. Fragility.Metrics.MetricCatalogue.All.Select(m => m.Name)];
        Assert.All(lines, l => Assert.Equal(["spearman", "max_sensitivity"], l.Select(kv => kv.Key).Where(metrics.Contains).ToArray()));
        var run = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(dir, SweepFiles.RunFile)))!;
        Assert.Equal(8, run["metric_settings"]!["sensitivity_radius"]!.GetValue<double>());
        Assert.Equal(2, run["metric_settings"]!["sensitivity_samples"]!.GetValue<int>());

        // Resuming with the default choice is refused, naming the choice that resumes it.
        (code, _, err) = CliHarness.Run([.. args.Take(args.Length - 4)]);
        Assert.Equal(CliRunner.UserError, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("rerun with --metrics spearman,max_sensitivity", err);

        (code, _, err) = CliHarness.Run("sweep", "--model", _model, "--dataset", "sample", "--metrics", "spearman,jaccard", "--out", Path.Combine(_root, "bad"));
        Assert.Equal(CliRunner.UserError, code);
        Assert.Equal("error: --metrics has an unknown value 'jaccard': use " + string.Join(", ", metrics) + ". See 'fragility sweep --help'.", err.Trim());
        Assert.False(Directory.Exists(Path.Combine(_root, "bad")));
    }

    [Fact]
    public void EveryAttackAndSweepOption_StatesItsDefaultOrIsAChoice_AndEpsilonStatesTheScale()
    {
        var root = CliApp.BuildRoot();
        foreach (string name in new[] { "attack", "sweep" })
        {
            var command = root.Subcommands.Single(c => c.Name == name);
            foreach (var option in command.Options.Where(o => o.Name is not ("--help" or "-h" or "-?")))
            {
                string d = option.Description!;
                bool optional = option.Name is "--target-region" or "--target-mask" or "--model" or "--data" or "--dataset" or "--out" or "--threads";
                // The default is stated once, in the option, and the help prints it ("[default: ...]"); an option with
                // no default says what happens without it.
                Assert.True(optional || option.HasDefaultValue || d.Contains("Without it", StringComparison.OrdinalIgnoreCase), $"{name} {option.Name}: '{d}'");
            }
            string eps = command.Options.Single(o => o.Name is "--epsilon" or "--epsilons").Description!;
            Assert.Contains("0-255 scale", eps);
            Assert.Contains("8/255", eps);
            Assert.Contains("0-255 scale", command.Options.Single(o => o.Name == "--step").Description!);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
