using System.Globalization;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Experiments.Geometry;
using Fragility.Geometry;
using Fragility.Models;
using Fragility.Reporting;
using Fragility.Tests.Attacks;
using Fragility.Tests.Cli;
using TorchSharp;

namespace Fragility.Tests.Geometry;

/// <summary>The geometry subcommands end to end, in-process, on untrained small-cnns and the shipped sample, with tiny
/// settings; their folders must render as report sections.</summary>
[Collection("console")]
public sealed class GeometryCommandTests : OneTorchThread
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"fragility-geometry-{Guid.NewGuid():N}");

    public GeometryCommandTests() => Directory.CreateDirectory(_root);

    private string Model(int seed)
    {
        string path = Path.Combine(_root, $"model{seed}.safetensors");
        torch.manual_seed(seed);
        using var classifier = ModelStore.Create(new ModelMetadata
        {
            Architecture = ModelRegistry.SmallCnn, Preprocessing = new Preprocessing { Channels = 1, Height = 28, Width = 28, Mean = [0.29], Std = [0.35] },
            ClassNames = DatasetCatalog.FashionMnistClassNames, Dataset = DatasetCatalog.Sample, Seed = seed,
        });
        ModelStore.Save(classifier, path);
        return path;
    }

    private static void AssertSection(string folder, string title, params string[] files)
    {
        foreach (var f in files.Append(FolderSection.DescriptionFile)) Assert.True(File.Exists(Path.Combine(folder, f)), f);
        var section = new FolderSection(folder);
        Assert.StartsWith(title, section.Title);
        var html = new HtmlBuilder();
        section.WriteBody(html);
        string body = html.ToString();
        Assert.Equal(files.Count(f => f.EndsWith(".png")), body.Split("data:image/png;base64,").Length - 1);
        Assert.Contains("<table", body);
    }

    [Fact]
    public void Toy_WritesAReportSection_WithTheAnalyticColumns()
    {
        string dir = Path.Combine(_root, "toy");
        var (code, _, err) = CliHarness.Run("geometry", "toy", "--dimensions", "10,1000", "--units", "1,3", "--draws", "2", "--out", dir, "--threads", "1");
        Assert.True(code == 0, err);
        AssertSection(dir, "Geometry: dimension scaling", "toy.png", "toy.csv");
        var rows = File.ReadAllLines(Path.Combine(dir, "toy.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(4, rows.Count);
        var rankOne = rows.Where(r => r[0] == "1").ToList();
        // Measured = closed form for the rank-one toy (CSV keeps 6 significant digits), and its top-k stays 1.
        foreach (var r in rankOne)
        {
            Assert.Equal(double.Parse(r[5], CultureInfo.InvariantCulture), double.Parse(r[3], CultureInfo.InvariantCulture), 5);
            Assert.Equal("1", r[7]);
        }
        Assert.True(File.Exists(Path.Combine(dir, GeometryFiles.DetailFolder, "toy-draws.csv")));
    }

    [Fact]
    public void Angles_Spectrum_Transfer_AndLipschitz_RunEndToEnd()
    {
        string a = Model(3), b = Model(4);
        string angles = Path.Combine(_root, "angles");
        var (code, _, err) = CliHarness.Run("geometry", "angles", "--model", a, "--dataset", "sample", "--images", "3", "--lanczos-steps", "3", "--out", angles, "--threads", "1");
        Assert.True(code == 0, err);
        AssertSection(angles, "Geometry: angles", "angles.png", "angles.csv");
        Assert.Equal(4, File.ReadAllLines(Path.Combine(angles, GeometryFiles.DetailFolder, "angles.csv")).Length);

        string spectrum = Path.Combine(_root, "spectrum");
        (code, _, err) = CliHarness.Run("geometry", "spectrum", "--model", a, "--dataset", "sample", "--images", "3", "--betas", "2", "--lanczos-steps", "3",
            "--iterations", "2", "--step", "2", "--out", spectrum, "--threads", "1");
        Assert.True(code == 0, err);
        AssertSection(spectrum, "Geometry: input-Hessian spectrum", "spectrum.png", "spectrum.csv");
        Assert.Equal(3, File.ReadAllLines(Path.Combine(spectrum, "spectrum.csv")).Length);     // header + beta 1 (the attack's) + beta 2

        string transfer = Path.Combine(_root, "transfer");
        (code, _, err) = CliHarness.Run("geometry", "transfer", "--model", a, "--targets", b, "--dataset", "sample", "--images", "3", "--iterations", "2",
            "--step", "2", "--out", transfer, "--threads", "1");
        Assert.True(code == 0, err);
        AssertSection(transfer, "Geometry: transfer", "transfer.png", "transfer.csv");
        var table = File.ReadAllLines(Path.Combine(transfer, "transfer.csv"));
        Assert.Equal(3, table.Length);
        Assert.Contains("source (white box)", table[1]);
        Assert.Contains("other seed", table[2]);

        string lipschitz = Path.Combine(_root, "lipschitz");
        (code, _, err) = CliHarness.Run("geometry", "lipschitz", "--models", $"{a},{b}", "--dataset", "sample", "--images", "2", "--iterations", "2",
            "--ascent-iterations", "2", "--step", "2", "--out", lipschitz, "--threads", "1");
        Assert.True(code == 0, err);
        AssertSection(lipschitz, "Geometry: Lipschitz", "lipschitz.png", "lipschitz.csv", "lipschitz-correlations.csv");
        var rows = File.ReadAllLines(Path.Combine(lipschitz, "lipschitz.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2, rows.Count);
        using var model = ModelStore.Load(a);
        double bound = LipschitzBound.Compute(model);
        Assert.Equal(bound, double.Parse(rows[0][4], CultureInfo.InvariantCulture), bound * 1e-5);
    }

    [Fact]
    public void Dimension_TrainsOneModelPerSize_AndReusesThem()
    {
        string dir = Path.Combine(_root, "dimension");
        string[] args = ["geometry", "dimension", "--sizes", "14,28", "--train-images", "64", "--images", "2", "--iterations", "2", "--step", "2", "--out", dir, "--threads", "1"];
        var (code, _, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        AssertSection(dir, "Geometry: fragility against input size", "dimension.png", "dimension.csv");
        var models = Directory.GetFiles(Path.Combine(dir, "models"), "*.safetensors").Order().ToArray();
        Assert.Equal(2, models.Length);
        using (var m14 = ModelStore.Load(models.Single(m => m.Contains("-14px-"))))
            Assert.Equal(14, m14.Metadata.Preprocessing.Height);
        var stamp = File.GetLastWriteTimeUtc(models[0]);
        (code, _, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(models[0]));
    }

    [Theory]
    [InlineData("lipschitz", "--models", "shipped")]
    [InlineData("transfer", "--images", "2")]
    [InlineData("toy", "--dimensions", "10,x")]
    [InlineData("transfer", "--targets", "/nonexistent/model.safetensors")]
    [InlineData("spectrum", "--model", "/nonexistent/model.safetensors")]
    public void BadOptions_EndInOneLineAndAUserError(params string[] options)
    {
        var (code, _, err) = CliHarness.Run(["geometry", .. options, "--out", Path.Combine(_root, "bad")]);
        Assert.Equal(CliRunner.UserError, code);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void SyntheticDigits_AreReadAsAnMnistDataSet()
    {
        string dir = Path.Combine(_root, "digits");
        SyntheticDigits.Write(dir, 20, 10, seed: 1);
        using var train = DatasetCatalog.Load(DatasetCatalog.Mnist, DatasetSplit.Train, dir);
        using var test = DatasetCatalog.Load(DatasetCatalog.Mnist, DatasetSplit.Test, dir);
        Assert.Equal(20, train.Count);
        Assert.Equal(10, test.Count);
        Assert.Equal((1, 28, 28), train.ImageShape);
        Assert.All(train.Labels, l => Assert.InRange(l, 0, 9));
        // White strokes on black: every digit has ink, and the border is background.
        using var ink = train.Images.flatten(1).max(1).values;
        Assert.True(ink.min().item<float>() > 0.9f);
        Assert.Equal(0f, train.Images.narrow(2, 0, 1).max().item<float>());
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        base.Dispose();
    }
}
