using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments.Geometry;
using Fragility.Models;

namespace Fragility.Cli.Commands.Geometry;

/// <summary><c>fragility geometry dimension: trained models at several input sizes.</c></summary>
internal static class GeometryDimension
{
    public static Command Build()
    {
        var common = new GeometryCliOptions("geometry-dimension", images: 100);
        var jobs = new GeometryJobsCliOptions();
        var sizes = new Option<string>("--sizes") { Description = "Input sizes in pixels (square), comma-separated: the data set is resized (area averaging down, bilinear up).", DefaultValueFactory = _ => "14,28,56" };
        var modelsDir = new Option<string?>("--models-dir") { Description = "Folder of the trained models, one per size; a missing one is trained and saved there. Without it: OUT/models." };
        var arch = new Option<string>("--arch") { Description = $"Architecture of the family: {string.Join(", ", ModelRegistry.Names)}.", DefaultValueFactory = _ => ModelRegistry.SmallCnn };
        var trainImages = new Option<int>("--train-images") { Description = "Training images per model (the first N of the training split).", DefaultValueFactory = _ => 10000 }.AtLeast(1);
        var epochs = new Option<int>("--epochs") { Description = "Training epochs per model.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var cmd = new Command("dimension", "Finding 5 on trained networks: the same architecture trained on the data set resized to several input sizes, each attacked with the same epsilon (top-k attack and random sign " +
            "on the simple-gradient map, k = 10% of the pixels); fragility against input size. --model is not used: the models are the family. Writes dimension.csv, dimension.png, per-image/dimension.csv, section.json.")
        { sizes, modelsDir, arch, trainImages, epochs };
        common.AddTo(cmd);
        jobs.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            common.Runtime.Initialize(pr);
            if (pr.GetValue(common.Model) is not null) throw new FragilityException("geometry dimension trains its own family of models (one per --sizes); drop --model, or use --models-dir to reuse trained ones.");
            string outDir = pr.GetValue(common.Output)!;
            var sizeList = GeometryCliOptions.Ints(pr.GetValue(sizes)!, "--sizes");
            var settings = common.Settings(pr);
            string architecture = pr.GetValue(arch)!, dataset = pr.GetValue(common.Dataset)!;
            int images = pr.GetValue(common.Images), train = pr.GetValue(trainImages), epochCount = pr.GetValue(epochs);
            // A worker owns whole sizes: each trains (or loads) its own model.
            return jobs.Run(console, pr, common, "dimension", sizeList.Length, 1, $"the {sizeList.Length} sizes (a model each)",
                (part, p, cancel) => DimensionExperiment.MeasureSizes(sizeList, pr.GetValue(modelsDir) ?? Path.Combine(outDir, "models"), architecture, train, epochCount,
                    dataset, pr.GetValue(common.Data), images, settings, pr.GetValue(common.BatchSize), part, p, cancel),
                parts => GeometryFiles.Write(DimensionExperiment.Combine(sizeList, architecture, train, epochCount, dataset, images, settings, parts), outDir, new DimensionWriter()));
        }));
        return cmd;
    }
}
