using System.CommandLine;
using System.Globalization;
using Fragility.Attacks;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.Experiments.Geometry;
using Fragility.Geometry;
using Fragility.Models;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary>
/// <c>fragility geometry toy | dimension | angles | spectrum | lipschitz | transfer</c>: the experiments of docs/method.md §6
/// that explain fragility by the network's geometry. Each subcommand writes a folder of CSV files, PNG figures and a
/// section.json that the HTML report shows as a section (give the folder to the report).
/// </summary>
public sealed class GeometryCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 50;

    /// <inheritdoc />
    public Command Build()
    {
        var cmd = new Command("geometry",
            "Why explanations are fragile: the geometry of the network (docs/method.md §6). Subcommands: toy (dimension scaling of g(w.x)), dimension (trained models at several input sizes), " +
            "angles (prediction vs explanation directions), spectrum (input-Hessian eigenvalues vs attack success), lipschitz (Lipschitz constants vs fragility across models), " +
            "transfer (perturbations from one model's explanation applied to others); digits writes a synthetic digit data set for cross-data-set transfer. Each experiment writes CSV, PNG and section.json into --out, a folder the HTML report shows as a section.");
        cmd.Subcommands.Add(Toy());
        cmd.Subcommands.Add(Dimension());
        cmd.Subcommands.Add(Angles());
        cmd.Subcommands.Add(Spectrum());
        cmd.Subcommands.Add(Lipschitz());
        cmd.Subcommands.Add(Transfer());
        cmd.Subcommands.Add(Digits());
        return cmd;
    }

    private static Command Toy()
    {
        var dims = new Option<string>("--dimensions") { Description = "Input dimensions d, comma-separated; the default spans five orders of magnitude.", DefaultValueFactory = _ => "10,100,1000,10000,100000,1000000" };
        var units = new Option<string>("--units") { Description = "Numbers of units m of f(x) = sum_j a_j softplus(w_j.x + b_j), comma-separated; 1 is the paper's rank-one toy.", DefaultValueFactory = _ => "1,8" };
        var eps = Epsilon();
        var scale = new Option<double>("--scale") { Description = "Per-coordinate standard deviation s of the weights (w_ji ~ N(0, s^2)).", DefaultValueFactory = _ => 0.01 };
        var draws = new Option<int>("--draws") { Description = "Random draws per dimension.", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("geometry-toy");
        var runtime = new RuntimeCliOptions();
        var cmd = new Command("toy", "Dimension scaling on the toy model score = g(w.x) (g = softplus): relative change and top-k intersection of the gradient map under delta = eps sign(w), " +
            "measured by autograd in float64, against the analytic |g''/g'| eps ||w||_1. Writes toy.csv, toy.png, per-image/toy-draws.csv, section.json.")
        { dims, units, eps, scale, draws, seed, output };
        runtime.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            runtime.Initialize(pr);
            var summary = ConsoleProgress.Run(console, "toy", p => ToyExperiment.Run(pr.GetValue(output)!, Ints(pr.GetValue(dims)!, "--dimensions"), Ints(pr.GetValue(units)!, "--units"),
                pr.GetValue(eps), pr.GetValue(scale), pr.GetValue(draws), pr.GetValue(seed), p));
            return Print(console, summary);
        }));
        return cmd;
    }

    private static Command Angles()
    {
        var common = new Common("geometry-angles", images: 1000);
        var lanczos = new Option<int>("--lanczos-steps") { Description = "Lanczos steps (Hessian-vector products) per image for the top Hessian eigenvector.", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var cmd = new Command("angles", "Per image, on the softplus twin: the angle between grad_x score_y (the direction that changes the prediction most) and grad_x D of the top-k and mass-center objectives " +
            "(the directions that change the simple-gradient map most), and the angle to the top eigenvector of the input Hessian of score_y. Writes angles.csv, angles.png (histograms), per-image/angles.csv, section.json.")
        { lanczos };
        common.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            using var model = common.LoadModel(pr, out string name);
            using var inputs = common.LoadInputs(console, pr, model);
            var summary = ConsoleProgress.Run(console, "angles", p => AngleExperiment.Run(model, inputs, common.Settings(pr), pr.GetValue(common.Output)!, name,
                pr.GetValue(lanczos), pr.GetValue(common.BatchSize), p));
            return Print(console, summary);
        }));
        return cmd;
    }

    private static Command Spectrum()
    {
        var common = new Common("geometry-spectrum", images: 200);
        var betas = new Option<string>("--betas") { Description = "Softplus betas of the twin whose input-Hessian spectra are measured, comma-separated (the attack's --beta is added).", DefaultValueFactory = _ => "1,2,5,10" }.NumbersAbove(0, double.MaxValue);
        var lanczos = new Option<int>("--lanczos-steps") { Description = "Lanczos steps (Hessian-vector products) per image and beta.", DefaultValueFactory = _ => 30 }.AtLeast(1);
        var count = new Option<int>("--eigenvalues") { Description = "Largest eigenvalues kept per image.", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var cmd = new Command("spectrum", "Top eigenvalues of the Hessian of score_y with respect to the input (Lanczos on Hessian-vector products, double backward, no dense Hessian) on the softplus twin at several beta; " +
            "per image, the relation between the top eigenvalue and how far the top-k attack moves the simple-gradient map (scatter plot and Spearman correlation over images). Writes spectrum.csv, spectrum.png, per-image/spectrum.csv, section.json.")
        { betas, lanczos, count };
        common.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            using var model = common.LoadModel(pr, out string name);
            using var inputs = common.LoadInputs(console, pr, model);
            var summary = ConsoleProgress.Run(console, "spectrum", p => SpectrumExperiment.Run(model, inputs, Lists.Numbers(pr.GetValue(betas)!, "--betas"), common.Settings(pr),
                pr.GetValue(common.Output)!, name, pr.GetValue(lanczos), pr.GetValue(count), pr.GetValue(common.BatchSize), p));
            return Print(console, summary);
        }));
        return cmd;
    }

    private static Command Lipschitz()
    {
        var common = new Common("geometry-lipschitz", images: 64);
        var models = new Option<string>("--models")
        {
            Description = "Model files to compare, comma-separated (e.g. small-cnn trained with other seeds, widths, weight decay, softplus); 'shipped' is the shipped model. At least two. " +
                          "Without it: the shipped model and every .safetensors file given with --model-dir.",
        };
        var modelDir = new Option<string?>("--model-dir") { Description = "Folder whose .safetensors models are added to --models." };
        var ascent = new Option<int>("--ascent-iterations") { Description = "Iterations of the projected gradient-norm ascent in the epsilon ball (empirical Lipschitz constant).", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var cmd = new Command("lipschitz", "Across several trained models: a certified upper bound of the network's Lipschitz constant (product of per-layer spectral norms; convolutions by power iteration on the operator and its transpose), " +
            "an empirical local constant (largest gradient norm found by projected ascent in the eps ball), the local Lipschitz estimate of the saliency map, and the fragility of the simple-gradient map under the top-k attack; " +
            "correlations across models. Writes lipschitz.csv, lipschitz-correlations.csv, lipschitz.png, per-image/layers.csv, section.json.")
        { models, modelDir, ascent };
        common.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            common.Runtime.Initialize(pr);
            var paths = LipschitzExperiment.ModelPaths(pr.GetValue(models) is string list ? Lists.Split(list, "--models") : null, pr.GetValue(modelDir));
            var summary = ConsoleProgress.Run(console, "lipschitz", p => LipschitzExperiment.Run(paths, pr.GetValue(common.Dataset)!, pr.GetValue(common.Data), pr.GetValue(common.Images),
                common.Settings(pr), pr.GetValue(ascent), pr.GetValue(common.Output)!, pr.GetValue(common.BatchSize), p));
            return Print(console, summary);
        }));
        return cmd;
    }

    private static Command Transfer()
    {
        var common = new Common("geometry-transfer", images: 100);
        var targets = new Option<string>("--targets") { Description = "Model files B to transfer to, comma-separated (another seed, another architecture, an imported model, a model trained on another data set of the same input size). Required." };
        var attack = new Option<string>("--attack", "-a") { Description = "Attack on the source model's explanation: topk or mass_center.", DefaultValueFactory = _ => "topk" };
        var method = new Option<string>("--method") { Description = "Explanation method (attacked on the source, compared on every model).", DefaultValueFactory = _ => "gradient" };
        var cmd = new Command("transfer", "Perturbations found by attacking the explanation of --model (A) are applied to other models (--targets), compared with random sign noise of the same epsilon: " +
            "a table of top-k intersection, Spearman correlation and label kept on each model. Writes transfer.csv, transfer.png, per-image/transfer.csv, section.json.")
        { targets, attack, method };
        common.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            string attackName = AttackNames.Canonical(pr.GetValue(attack)!);
            if (attackName is not (AttackNames.TopK or AttackNames.MassCenter))
                throw new FragilityException($"--attack must be topk or mass_center, got '{pr.GetValue(attack)}'.");
            var targetPaths = pr.GetValue(targets) is string t ? Lists.Split(t, "--targets") : throw new FragilityException("--targets is required: give the model files to transfer to, comma-separated.");
            using var model = common.LoadModel(pr, out string name);
            var loaded = TransferExperiment.LoadTargets(targetPaths);
            try
            {
                using var inputs = common.LoadInputs(console, pr, model);
                var explanation = Attribution.AttributionMethods.Create(pr.GetValue(method)!);
                var summary = ConsoleProgress.Run(console, "transfer", p => TransferExperiment.Run(model, name, loaded, inputs, attackName, explanation, common.Settings(pr),
                    pr.GetValue(common.Output)!, pr.GetValue(common.BatchSize), p));
                return Print(console, summary);
            }
            finally
            {
                foreach (var (m, _) in loaded) m.Dispose();
            }
        }));
        return cmd;
    }

    private static Command Digits()
    {
        var train = new Option<int>("--train") { Description = "Training images.", DefaultValueFactory = _ => 12000 }.AtLeast(1);
        var test = new Option<int>("--test") { Description = "Test images.", DefaultValueFactory = _ => 2000 }.AtLeast(1);
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("synthetic-digits");
        var cmd = new Command("digits", "Helper for cross-data-set transfer when MNIST is not installed: writes a synthetic 28x28 digit data set (digits 0-9 drawn with the installed fonts at random size, rotation, offset " +
            "and weight) in MNIST's IDX layout, so that 'fragility train --dataset mnist --data DIR' trains a digit model of Fashion-MNIST's input size.")
        { train, test, seed, output };
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            string dir = pr.GetValue(output)!;
            SyntheticDigits.Write(dir, pr.GetValue(train), pr.GetValue(test), pr.GetValue(seed));
            console.Markup($"Wrote [green]{Markup.Escape(Path.GetFullPath(dir))}[/]: {pr.GetValue(train)} training and {pr.GetValue(test)} test digits in MNIST's IDX layout. Train on it with 'fragility train --dataset mnist --data {Markup.Escape(dir)}'.");
            return 0;
        }));
        return cmd;
    }

    private static Command Dimension()
    {
        var common = new Common("geometry-dimension", images: 100);
        var sizes = new Option<string>("--sizes") { Description = "Input sizes in pixels (square), comma-separated: the data set is resized (area averaging down, bilinear up).", DefaultValueFactory = _ => "14,28,56" };
        var modelsDir = new Option<string?>("--models-dir") { Description = "Folder of the trained models, one per size; a missing one is trained and saved there. Without it: OUT/models." };
        var arch = new Option<string>("--arch") { Description = $"Architecture of the family: {string.Join(", ", ModelRegistry.Names)}.", DefaultValueFactory = _ => ModelRegistry.SmallCnn };
        var trainImages = new Option<int>("--train-images") { Description = "Training images per model (the first N of the training split).", DefaultValueFactory = _ => 10000 }.AtLeast(1);
        var epochs = new Option<int>("--epochs") { Description = "Training epochs per model.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var cmd = new Command("dimension", "Finding 5 on trained networks: the same architecture trained on the data set resized to several input sizes, each attacked with the same epsilon (top-k attack and random sign " +
            "on the simple-gradient map, k = 10% of the pixels); fragility against input size. --model is not used: the models are the family. Writes dimension.csv, dimension.png, per-image/dimension.csv, section.json.")
        { sizes, modelsDir, arch, trainImages, epochs };
        common.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            common.Runtime.Initialize(pr);
            if (pr.GetValue(common.Model) is not null) throw new FragilityException("geometry dimension trains its own family of models (one per --sizes); drop --model, or use --models-dir to reuse trained ones.");
            string outDir = pr.GetValue(common.Output)!;
            var summary = ConsoleProgress.Run(console, "dimension", p => DimensionExperiment.Run(Ints(pr.GetValue(sizes)!, "--sizes"), pr.GetValue(modelsDir) ?? Path.Combine(outDir, "models"),
                pr.GetValue(arch)!, pr.GetValue(trainImages), pr.GetValue(epochs), pr.GetValue(common.Dataset)!, pr.GetValue(common.Data), pr.GetValue(common.Images),
                common.Settings(pr), outDir, pr.GetValue(common.BatchSize), p));
            return Print(console, summary);
        }));
        return cmd;
    }

    /// <summary>Prints the headlines and where the files are.</summary>
    private static int Print(CliConsole console, ExperimentSummary summary)
    {
        foreach (var line in summary.Headlines) console.Markup(Markup.Escape(line));
        console.Markup($"Wrote [green]{Markup.Escape(Path.GetFullPath(summary.Folder))}[/] (section.json, PNG and CSV files; give the folder to the HTML report).");
        return 0;
    }

    internal static Option<double> Epsilon() => CommonOptions.Epsilon("The perturbation's size.");

    /// <summary>A comma-separated list of positive whole numbers (<see cref="Lists.Split"/>).</summary>
    internal static int[] Ints(string value, string option) => Lists.Split(value, option).Select(s =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v
            : throw new FragilityException($"{option}: '{s}' is not a positive whole number.")).ToArray();

    /// <summary>Options most subcommands share: model, data, images, attack settings, output.</summary>
    private sealed class Common(string defaultOut, int images)
    {
        public Option<string?> Model { get; } = CommonOptions.Model();
        public Option<string> Dataset { get; } = CommonOptions.Dataset(DatasetCatalog.FashionMnist);
        public Option<string?> Data { get; } = CommonOptions.Data();
        public Option<int> Images { get; } = new Option<int>("--images", "-n") { Description = $"Number of test images: the first N, in data-set order, that the model classifies correctly.", DefaultValueFactory = _ => images }.AtLeast(1);
        public Option<double> Epsilon { get; } = GeometryCommand.Epsilon();
        public Option<double> Beta { get; } = CommonOptions.Beta();
        public Option<int> Iterations { get; } = new Option<int>("--iterations") { Description = "Attack iterations P.", DefaultValueFactory = _ => 50 }.AtLeast(1);
        public Option<double> Step { get; } = CommonOptions.Step();
        public Option<int?> K { get; } = CommonOptions.K();
        public Option<int> BatchSize { get; } = new Option<int>("--batch-size") { Description = "Images per batch.", DefaultValueFactory = _ => 32 }.AtLeast(1);
        public Option<int> Seed { get; } = CommonOptions.Seed();
        public Option<string> Output { get; } = CommonOptions.Out(defaultOut);
        public RuntimeCliOptions Runtime { get; } = new();

        public void AddTo(Command cmd)
        {
            foreach (Option o in new Option[] { Model, Dataset, Data, Images, Epsilon, Beta, Iterations, Step, K, BatchSize, Seed, Output }) cmd.Options.Add(o);
            Runtime.AddTo(cmd);
        }

        public Classifier LoadModel(ParseResult pr, out string name)
        {
            Runtime.Initialize(pr);
            string? path = pr.GetValue(Model);
            name = path is null ? ModelStore.ShippedModelFile : Path.GetFileName(path);
            return ModelStore.Load(path);
        }

        public Experiments.SelectedInputs LoadInputs(CliConsole console, ParseResult pr, Classifier model)
        {
            string name = pr.GetValue(Dataset)!;
            int n = pr.GetValue(Images);
            console.Markup(Markup.Escape($"Selecting the first {n} correctly classified test images of {name}..."));
            return GeometryInputs.Load(model, name, pr.GetValue(Data), n);
        }

        public AttackSettings Settings(ParseResult pr) => new()
        {
            Epsilon = pr.GetValue(Epsilon), Beta = pr.GetValue(Beta), Iterations = pr.GetValue(Iterations), Step = pr.GetValue(Step),
            K = pr.GetValue(K), Seed = pr.GetValue(Seed),
        };
    }
}
