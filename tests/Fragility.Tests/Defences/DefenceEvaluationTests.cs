using System.Globalization;
using Fragility.Attribution;
using Fragility.Data;
using Fragility.Defences;
using Fragility.Experiments.Sharding;
using Fragility.IO;
using Fragility.Metrics;
using Fragility.Models;
using Fragility.Reporting;
using Fragility.Tests.Attacks;
using Fragility.Tests.Cli;
using Fragility.Training;
using Fragility.Training.Regularisers;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Defences;

/// <summary>The whole defence run on two tiny registry models (small-cnn on 8x8 blobs), so every file, the resume and the
/// non-adaptive (transfer) wiring are checked in a few seconds.</summary>
[Collection("console")]
public sealed class DefenceEvaluationTests : OneTorchThread
{
    private const int Size = 8;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fragility-defend-" + Guid.NewGuid().ToString("N"));

    public override void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        base.Dispose();
    }

    private string TrainModel(string name, ITrainingRegulariser? regulariser)
    {
        torch.manual_seed(3);
        var metadata = new ModelMetadata
        {
            Architecture = ModelRegistry.SmallCnn, Preprocessing = Preprocessing.Plain(1, Size, Size), ClassNames = ["a", "b", "c"], Dataset = "blobs",
        };
        using var model = ModelStore.Create(metadata);
        var (images, labels) = AttackTestModels.Blobs(90, seed: 21, size: Size);
        using var train = new ImageDataset("blobs", images, labels, ["a", "b", "c"]);
        var report = Trainer.Train(model, train, null, new TrainingOptions { Epochs = 3, BatchSize = 15, LearningRate = 0.01, Regulariser = regulariser });
        using var saved = new Classifier(model.Network, metadata with
        {
            Training = new Dictionary<string, string>
            {
                ["regularizer"] = regulariser?.Name ?? "none", ["lambda"] = regulariser is null ? "0" : "0.1",
                ["seconds_per_epoch"] = (report.Seconds / 3).ToString("R", CultureInfo.InvariantCulture),
                ["train_images"] = "90", ["batch_size"] = "15",
            },
        });
        string path = Path.Combine(_dir, "models", name + ".safetensors");
        ModelStore.Save(saved, path);
        return path;
    }

    private static DefenceSettings Settings => new()
    {
        Methods = ["gradient"], Defences = ["none", "beta:2", "smoothgrad:n=4,sigma=20", "jitter:1"], Images = 6, Epsilons = [4, 8], TableEpsilon = 8,
        Iterations = 3, Step = 2, BatchSize = 4, FaithfulnessSteps = 8,
        Reference = "zero",   // the test models record no training mean, so the reference is named
    };

    [Fact]
    public void Run_WritesTheTable_ResumesIt_AndTheTransferColumnsComeFromTheUndefendedAttack()
    {
        string baseline = TrainModel("baseline", null);
        string gradnorm = TrainModel("gradnorm", new InputGradientPenalty(0.1));
        var (images, labels) = AttackTestModels.Blobs(40, seed: 22, size: Size);
        using var test = new ImageDataset("blobs-test", images, labels, ["a", "b", "c"]);
        string outDir = Path.Combine(_dir, "out");
        var evaluation = new DefenceEvaluation([baseline, gradnorm], test, Settings, "test") { ExplanationDefenceModels = ["baseline"] };
        var updates = new List<Fragility.Runtime.ProgressUpdate>();
        var outcome = evaluation.Run(outDir, progress: new Collect(updates));
        // Rows of unequal cost report their kind ("method/defence") and what is left of each kind, down to nothing.
        Assert.Contains(updates, u => u.Kind == "gradient/smoothgrad(n=4,sigma=20)");
        var last = updates.Last(u => u.RemainingByKind is not null);
        Assert.All(last.RemainingByKind!.Values, v => Assert.Equal(0, v));
        Assert.All(updates.Where(u => u.RemainingByKind is not null), u => Assert.Equal(u.Total - u.Done, u.RemainingByKind!.Values.Sum()));

        Assert.Equal(5, outcome.Rows.Count);
        Assert.Equal(["none", "beta:2", "smoothgrad(n=4,sigma=20)", "jitter:1", "none"], outcome.Rows.Select(r => r.Defence).ToArray());
        Assert.Equal(["none", "none", "none", "none", "input_gradient"], outcome.Rows.Select(r => r.Regulariser).ToArray());
        foreach (string file in new[] { DefenceEvaluation.TableCsv, DefenceEvaluation.TableMarkdown, DefenceEvaluation.CurveCsv, DefenceEvaluation.PerImageCsv,
            DefenceEvaluation.FrontierFigure, DefenceEvaluation.FaithfulnessFigure, DefenceEvaluation.CurveFigure, DefenceEvaluation.NotesFile, DefenceEvaluation.RunFile, FolderSection.DescriptionFile })
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        foreach (var r in outcome.Rows)
        {
            Assert.InRange(r.Accuracy, 0.34, 1);
            foreach (double v in new[] { r.TopKAfterTopK, r.TopKAfterMassCenter, r.TopKAfterRandom, r.LabelKept, r.DeletionAuc, r.InsertionAuc })
                Assert.InRange(v, 0, 1);
            Assert.InRange(r.SpearmanAfterTopK, -1, 1);
            Assert.True(r.ShiftAfterMassCenter >= 0);
            Assert.Equal([4.0, 8.0], r.TopKCurve.Keys.Order().ToArray());
            Assert.Equal(r.TopKAfterTopK, r.TopKCurve[8]);
            Assert.Equal(r.Defence == "none", double.IsNaN(r.TopKAfterTransferTopK));
        }
        Assert.Equal(0, outcome.Rows[0].ExtraSecondsPerEpoch);
        // A wall-clock difference: its sign is not a property of the code (on a loaded machine it was measured
        // negative), so only that it was measured is checked.
        Assert.True(double.IsFinite(outcome.Rows[4].ExtraSecondsPerEpoch), "the regularised row's training cost is measured");

        // per_image.csv: per row, 6 images x (2 top-k epsilons + mass-center + random + clean), plus 2 transfer attacks for defended rows.
        var lines = File.ReadAllLines(Path.Combine(outDir, DefenceEvaluation.PerImageCsv)).Skip(1).ToArray();
        Assert.Equal(5 * 6 * 5 + 3 * 6 * 2, lines.Length);
        double mean = lines.Select(l => l.Split(',')).Where(f => f[0] == "baseline" && f[2] == "none" && f[4] == "topk" && f[5] == "8")
            .Average(f => double.Parse(f[6], CultureInfo.InvariantCulture));
        Assert.Equal(outcome.Rows[0].TopKAfterTopK, mean, 12);

        // The transfer column, recomputed from the undefended row's saved perturbations: beta-smoothed maps of those
        // images against the clean beta-smoothed maps.
        var adversarialFile = Directory.EnumerateFiles(Path.Combine(outDir, DefenceEvaluation.RowsFolder), "baseline__gradient__none_*.topk.npy").Single();
        var data = NpyFile.ReadSingle(adversarialFile, out var shape);
        using (var model = ModelStore.Load(baseline))
        using (var adversarial = torch.tensor(data, shape.Select(s => (long)s).ToArray()))
        using (var clean = test.Subset(outcome.ImageIndices))
        using (var target = torch.tensor(outcome.ImageIndices.Select(i => test.Labels[i]).ToArray()))
        {
            var beta = new BetaSmoothed(new SimpleGradient(), 2);
            using var cleanMaps = SaliencyMaps.FromAttribution(beta.Attribute(model, clean.Images, target));
            using var advMaps = SaliencyMaps.FromAttribution(beta.Attribute(model, adversarial, target));
            var topk = TopKIntersection.Batch(cleanMaps.flatten(1), advMaps.flatten(1), TopKIntersection.DefaultK(Size, Size));
            Assert.Equal(outcome.Rows[1].TopKAfterTransferTopK, topk.Average(), 9);
            Assert.True((adversarial - clean.Images).abs().max().item<float>() <= 8 / 255.0 + 1e-6, "perturbations stay in the ball");
        }

        // The same command again resumes every row; other settings are refused.
        var again = new DefenceEvaluation([baseline, gradnorm], test, Settings, "test") { ExplanationDefenceModels = ["baseline"] }.Run(outDir);
        Assert.Equal((0, 5), (again.RowsRun, again.RowsResumed));
        Assert.Equal(outcome.Rows.Select(r => r.TopKAfterMassCenter), again.Rows.Select(r => r.TopKAfterMassCenter));
        var e = Assert.Throws<FragilityException>(() => new DefenceEvaluation([baseline, gradnorm], test, Settings with { Iterations = 4 }, "test").Run(outDir));
        Assert.Contains("--overwrite", e.Message);

        // The report section: table, attacks and figures, all text escaped.
        var html = new HtmlBuilder();
        new DefencesSection(outDir).WriteBody(html);
        string body = html.ToString();
        Assert.Contains("Defence table", body);
        Assert.Contains("through the beta-smoothed map itself", body);
        Assert.Equal(3, body.Split("<img ").Length - 1);
    }

    [Fact]
    public void Run_ComputesAgainOnlyRowsWhoseFilesAreMissingOrCut_AndOverwriteStartsAfresh()
    {
        string baseline = TrainModel("baseline", null);
        var (images, labels) = AttackTestModels.Blobs(40, seed: 22, size: Size);
        using var test = new ImageDataset("blobs-test", images, labels, ["a", "b", "c"]);
        string outDir = Path.Combine(_dir, "store");
        var settings = Settings with { Defences = ["none", "beta:2"], Images = 4 };
        DefenceOutcome Run(bool overwrite = false) => new DefenceEvaluation([baseline], test, settings, "test").Run(outDir, overwrite);
        var first = Run();
        Assert.Equal((2, 0), (first.RowsRun, first.RowsResumed));
        string rows = Path.Combine(outDir, DefenceEvaluation.RowsFolder);

        // The undefended row without one of its arrays cannot give the transfer attack: it is computed again, with
        // the same perturbations (same seeds), so the defended row read back still matches it.
        File.Delete(Directory.EnumerateFiles(rows, "baseline__gradient__none_*.mass_center.npy").Single());
        var second = Run();
        Assert.Equal((1, 1), (second.RowsRun, second.RowsResumed));
        Assert.Equal(first.Rows.Select(r => r.TopKAfterMassCenter), second.Rows.Select(r => r.TopKAfterMassCenter));
        Assert.Single(Directory.EnumerateFiles(rows, "baseline__gradient__none_*.mass_center.npy"));

        // A row file cut short (a run killed while writing) counts as not finished.
        string beta = Directory.EnumerateFiles(rows, "baseline__gradient__beta_2_*.json").Single();
        File.WriteAllText(beta, File.ReadAllText(beta)[..40]);
        var third = Run();
        Assert.Equal((1, 1), (third.RowsRun, third.RowsResumed));
        Assert.Equal(first.Rows[1].TopKAfterTransferTopK, third.Rows[1].TopKAfterTransferTopK);

        // An unreadable run.json is not this run's: refused, and --overwrite computes every row again.
        File.WriteAllText(Path.Combine(outDir, DefenceEvaluation.RunFile), "{");
        Assert.Throws<FragilityException>(() => Run());
        var fresh = Run(overwrite: true);
        Assert.Equal((2, 0), (fresh.RowsRun, fresh.RowsResumed));
    }

    [Fact]
    public void Shards_ComputeDisjointPairs_AndTogetherGiveTheSingleRunsRows()
    {
        string baseline = TrainModel("baseline", null);
        var (images, labels) = AttackTestModels.Blobs(40, seed: 22, size: Size);
        using var test = new ImageDataset("blobs-test", images, labels, ["a", "b", "c"]);
        var settings = Settings with { Methods = ["gradient", "grad_x_input"], Defences = ["none", "beta:2"] };
        DefenceEvaluation Evaluation(SweepShard? shard = null) => new([baseline], test, settings, "test") { Shard = shard };
        string single = Path.Combine(_dir, "single"), sharded = Path.Combine(_dir, "sharded");
        var whole = Evaluation().Run(single);

        // Two shards, one model x method pair each: each computes its pair's rows and writes no table.
        var first = Evaluation(new SweepShard(1, 2)).Run(sharded);
        var second = Evaluation(new SweepShard(2, 2)).Run(sharded);
        Assert.Equal(["gradient"], first.Rows.Select(r => r.Method).Distinct());
        Assert.Equal(["grad_x_input"], second.Rows.Select(r => r.Method).Distinct());
        Assert.False(File.Exists(Path.Combine(sharded, DefenceEvaluation.TableCsv)));

        // The run without a shard reads every row back and writes the table: the single run's, but for timings.
        var joined = Evaluation().Run(sharded);
        Assert.Equal((0, whole.Rows.Count), (joined.RowsRun, joined.RowsResumed));
        static string Values(DefenceRow r) => string.Join("|", r.Label, r.Accuracy, r.TopKAfterTopK, r.TopKAfterTransferTopK, r.ShiftAfterMassCenter,
            r.DeletionAuc, r.InsertionAuc, r.RandomisationSpearman, string.Join(",", r.TopKCurve.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}:{kv.Value}")));
        Assert.Equal(whole.Rows.Select(Values), joined.Rows.Select(Values));
        Assert.True(File.Exists(Path.Combine(sharded, DefenceEvaluation.TableCsv)));
    }

    [Fact]
    public void DefendCommand_RefusesUnknownDefences_AndMissingModels_WithOneLine()
    {
        var (code, _, err) = CliHarness.Run("defend", "--defences", "none,dropout", "--images", "1");
        Assert.Equal(2, code);
        Assert.Contains("Unknown defence 'dropout'", err);
        (code, _, err) = CliHarness.Run("defend", "--model", Path.Combine(_dir, "missing.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("does not exist", err);
    }

    private sealed class Collect(List<Fragility.Runtime.ProgressUpdate> updates) : IProgress<Fragility.Runtime.ProgressUpdate>
    {
        public void Report(Fragility.Runtime.ProgressUpdate value) => updates.Add(value);
    }
}
