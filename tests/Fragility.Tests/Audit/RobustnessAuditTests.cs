using Fragility.Audit;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.Experiments.Sharding;
using Fragility.Models;
using Fragility.Reporting;
using Fragility.Runtime;
using Fragility.Tests.Attacks;
using TorchSharp;

namespace Fragility.Tests.Audit;

/// <summary>The audit end to end on tiny models whose answers are known: a map that cannot move is robust, a model
/// whose weights carry nothing learned fails the sanity check, a killed audit resumes without losing or repeating
/// rows, and the score card reads back from its JSON.</summary>
public sealed class RobustnessAuditTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fragility-audit-" + Guid.NewGuid().ToString("N"));

    private static readonly AuditSettings Small = new()
    {
        Methods = ["gradient"], Epsilons = [2, 8], Images = 6, Iterations = 4, DefenceBeta = 0, Reference = "zero",
        BatchSize = 3, Budget = TimeSpan.FromMinutes(10),
    };

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Unlabelled blobs: every image is usable, with its predicted label.</summary>
    private static ImageDataset Blobs(int count = 12)
    {
        var (images, _) = AttackTestModels.Blobs(count, seed: 9);
        return new ImageDataset("blobs", images, Enumerable.Repeat(-1L, count).ToArray(),
            Enumerable.Range(0, AttackTestModels.Classes).Select(i => $"class{i}").ToArray());
    }

    [Fact]
    public void AMapThatCannotMoveIsRobust()
    {
        // The gradient map of a linear model is its weight row whatever the input: no attack can move it.
        using var model = AttackTestModels.Linear(seed: 2);
        using var data = Blobs();
        var card = new RobustnessAudit(model, Small).Run(data, _dir);
        var gradient = Assert.Single(card.Methods);
        Assert.Equal(Verdict.Robust, gradient.Verdict);
        Assert.Equal(1.0, gradient.Robustness.Mean, 12);
        Assert.Null(gradient.BreakingEpsilon);
        Assert.Equal(Verdict.Robust, card.Verdict);
        Assert.Equal("gradient", card.ShownMethod);
        Assert.True(File.Exists(Path.Combine(_dir, ScoreCardFiles.Json)));
        Assert.True(File.Exists(Path.Combine(_dir, ScoreCardFiles.Markdown)));
        Assert.Contains("Score card", File.ReadAllText(Path.Combine(_dir, ScoreCardFiles.Report)));
    }

    [Fact]
    public void AModelWhoseWeightsCarryNothingLearnedFailsTheSanityCheck()
    {
        // Equal weights everywhere: randomising them draws from N(mean, (0.01 max(|mean|, 1))^2), about 2 % of 0.5, so
        // gradient x input stays the image itself and the maps of the "trained" and the randomised model agree.
        using var model = AttackTestModels.Linear(seed: 2);
        using (torch.no_grad())
            foreach (var p in model.parameters()) p.fill_(0.5);
        using var data = Blobs();
        var card = new RobustnessAudit(model, Small with { Methods = ["grad_x_input"] }).Run(data, _dir);
        var m = Assert.Single(card.Methods);
        Assert.False(m.PassesSanity);
        Assert.True(m.Randomisation > 0.9, $"randomisation correlation {m.Randomisation}");
        Assert.Null(card.Recommendation.Method);
        Assert.Contains(card.Recommendation.Text, t => t.Contains("No method passes the sanity check"));
    }

    [Fact]
    public void AModelWithRandomisedWeightsFailsTheSanityCheckOnGradientTimesInput()
    {
        // The shipped model with every weight re-drawn: gradient x input of a random network is the image times noise,
        // so on Fashion-MNIST (a black background, where every such map is zero) the maps of two random draws agree.
        using var model = ModelStore.Load(ModelStore.ShippedModelPath());
        Fragility.Metrics.ParameterRandomisation.Randomise(model, seed: 123);
        using var images = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, model.Metadata.Preprocessing.LoadOptions());
        var settings = Small with { Methods = ["grad_x_input"], Epsilons = [8], Iterations = 2, Images = 4 };
        var card = new RobustnessAudit(model, settings).Run(images, _dir);
        var m = Assert.Single(card.Methods);
        Assert.False(m.PassesSanity, $"randomisation correlation {m.Randomisation}");
        Assert.NotNull(card.Accuracy);
        Assert.Contains(card.Notes, n => n.Contains("chance"));   // and the near-chance accuracy is flagged
    }

    [Fact]
    public void ATrainedModelsGradientPassesTheSanityCheckAndIsMovedMoreThanByNoise()
    {
        using var model = AttackTestModels.Trained();
        using var data = Blobs();
        var card = new RobustnessAudit(model, Small with { Iterations = 20, DefenceBeta = 2 }).Run(data, _dir);
        var gradient = Assert.Single(card.Methods);
        Assert.True(gradient.PassesSanity, $"randomisation correlation {gradient.Randomisation}");
        var top = gradient.Epsilons[^1];
        Assert.True(top.TopKAttacked.Mean < top.TopKRandom.Mean, $"attacked {top.TopKAttacked.Mean} vs random {top.TopKRandom.Mean}");
        Assert.InRange(gradient.Robustness.Mean, gradient.Robustness.Lower, gradient.Robustness.Upper);
        var beta = Assert.Single(card.Defences);
        Assert.Equal("beta:2", beta.Defence);
        Assert.Equal("gradient", card.Recommendation.Method);
    }

    [Fact]
    public void AKilledAuditResumesWithoutLostOrDuplicatedRows()
    {
        using var model = AttackTestModels.Trained();
        using var data = Blobs();
        var settings = Small with { Methods = ["gradient", "grad_x_input"], DefenceBeta = 2 };
        string whole = _dir + "-whole";
        try
        {
            var expected = new RobustnessAudit(model, settings).Run(data, whole);
            var audit = new RobustnessAudit(model, settings);
            using var cancel = new CancellationTokenSource();
            int updates = 0;
            var progress = new SyncProgress(u => { if (u.Task == "sweep" && ++updates == 4) cancel.Cancel(); });
            using (var plan = audit.Plan(data, _dir))
                Assert.ThrowsAny<OperationCanceledException>(() => audit.Run(plan, progress, cancel.Token));
            int partial = File.ReadAllLines(Path.Combine(_dir, ResultsFile.FileName)).Length;
            using var again = audit.Plan(data, _dir);
            Assert.True(again.Reused);
            var resumed = audit.Run(again)!;
            var lines = File.ReadAllLines(Path.Combine(_dir, ResultsFile.FileName));
            var cells = ResultsFile.Read(Path.Combine(_dir, ResultsFile.FileName)).Records.Select(r => (r.Image, r.Method, r.Attack, r.Epsilon)).ToList();
            Assert.InRange(partial, 1, lines.Length - 1);
            Assert.Equal(6 * 3 * 3 * 2, lines.Length);   // images x (2 methods + beta-smoothed gradient) x attacks x epsilons
            Assert.Equal(cells.Count, cells.Distinct().Count());
            Assert.Equal(expected.Methods.Select(m => m.Robustness), resumed.Methods.Select(m => m.Robustness));
            Assert.Equal(expected.Methods.Select(m => m.Randomisation), resumed.Methods.Select(m => m.Randomisation));
        }
        finally
        {
            if (Directory.Exists(whole)) Directory.Delete(whole, recursive: true);
        }
    }

    [Fact]
    public void ShardsMergeIntoTheSameScoreCard()
    {
        using var model = AttackTestModels.Trained();
        using var data = Blobs();
        var audit = new RobustnessAudit(model, Small);
        foreach (var shard in new[] { new SweepShard(1, 2), new SweepShard(2, 2) })
        {
            using var plan = audit.Plan(data, _dir, shard);
            Assert.Null(audit.Run(plan));   // a shard writes its part of the grid, not the score card
        }
        SweepMerge.Run([_dir], _dir);
        using var whole = audit.Plan(data, _dir);
        Assert.True(whole.Reused);
        var card = audit.Run(whole)!;
        Assert.Equal(6, card.Methods[0].Robustness.N);
        Assert.Equal(6 * 3 * 2, File.ReadAllLines(Path.Combine(_dir, ResultsFile.FileName)).Length);

        string single = _dir + "-single";
        try
        {
            var expected = new RobustnessAudit(model, Small).Run(data, single);
            Assert.Equal(expected.Methods[0].Epsilons, card.Methods[0].Epsilons);
        }
        finally
        {
            if (Directory.Exists(single)) Directory.Delete(single, recursive: true);
        }
    }

    [Fact]
    public void TheCalibrationReportsEachMethodItTimes()
    {
        using var model = AttackTestModels.Trained();
        using var data = Blobs();
        var updates = new List<ProgressUpdate>();
        using var plan = new RobustnessAudit(model, Small with { Images = null, Iterations = null, DefenceBeta = 2 })
            .Plan(data, _dir, progress: new SyncProgress(updates.Add));
        var calibration = updates.Where(u => u.Task == "calibration").ToList();
        Assert.Equal(["timing gradient", "timing gradient_beta2", null], calibration.Select(u => u.Status));
        Assert.Equal((2L, 2L), (calibration[^1].Done, calibration[^1].Total));
        Assert.False(plan.Reused);
    }

    [Fact]
    public void TheScoreCardReadsBackFromItsJson()
    {
        using var model = AttackTestModels.Trained();
        using var data = Blobs();
        var card = new RobustnessAudit(model, Small).Run(data, _dir);
        var read = ScoreCardFiles.Read(_dir);
        Assert.Equal(ScoreCard.CurrentSchema, read.SchemaVersion);
        Assert.Equal(card.Verdict, read.Verdict);
        Assert.Equal(card.Methods[0].Robustness, read.Methods[0].Robustness);
        Assert.Equal(card.Methods[0].Epsilons, read.Methods[0].Epsilons);
        Assert.Contains("\"verdict\": \"", File.ReadAllText(Path.Combine(_dir, ScoreCardFiles.Json)));
    }

    [Fact]
    public void TheReadmeExampleRunsOnTheShippedModel()
    {
        // The README's library example, with a small grid so that it runs in seconds.
        using var model = ModelStore.Load(ModelStore.ShippedModelPath());
        using var images = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, model.Metadata.Preprocessing.LoadOptions());
        var settings = new AuditSettings { Budget = TimeSpan.FromMinutes(5), Methods = ["gradient", "lrp"], Images = 4, Iterations = 3, Epsilons = [8] };
        ScoreCard card = new RobustnessAudit(model, settings).Run(images, _dir);
        MethodScore shown = card.Methods.First(m => m.Method == card.ShownMethod);
        Assert.Equal(card.Verdict, shown.Verdict);
        Assert.Equal(card.Thresholds.Of(shown.Robustness.Mean), shown.Verdict);
        Assert.Equal(4, shown.Robustness.N);
        Assert.Equal("pixel-mean", card.Reference);
        Assert.Equal(8, card.VerdictEpsilon);
    }

    [Fact]
    public void ChoosesImagesStratifiedOverClassesAndSeeded()
    {
        using var model = AttackTestModels.Trained();
        var (images, labels) = AttackTestModels.Blobs(30, seed: 4);
        using var data = new ImageDataset("blobs", images, labels, Enumerable.Range(0, 3).Select(i => $"class{i}").ToArray());
        var (order, label, labelled, correct) = SweepInputs.Stratified(model, data, seed: 1);
        Assert.Equal(30, labelled);
        Assert.Equal(order.Count, correct);
        var first = order.Take(6).Select(i => label[i]).ToList();
        Assert.Equal(2, first.Count(l => l == 0));
        Assert.Equal(2, first.Count(l => l == 1));
        Assert.Equal(2, first.Count(l => l == 2));
        Assert.Equal(order, SweepInputs.Stratified(model, data, seed: 1).Order);
        Assert.NotEqual(order, SweepInputs.Stratified(model, data, seed: 2).Order);
        // Only correctly classified labelled images are kept.
        using var relu = model.UseRelu();
        var (predicted, _) = model.Predict(data.Images);
        Assert.All(order, i => Assert.Equal(labels[i], predicted[i]));
    }

    private sealed class SyncProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }
}
