using System.CommandLine;

namespace Fragility.Cli.Infrastructure;

/// <summary>Options shared by several commands, defined once so their help text and defaults agree.</summary>
public static class CommonOptions
{
    /// <summary>--model PATH (default: the shipped Fashion-MNIST model).</summary>
    public static Option<string?> Model() => new("--model", "-m")
    {
        Description = "Model file (.safetensors written by 'fragility train' or 'fragility import'). Default: the shipped Fashion-MNIST small-cnn (models/fashion-mnist-small-cnn.safetensors).",
    };

    /// <summary>--dataset NAME.</summary>
    public static Option<string> Dataset(string defaultValue) => new("--dataset")
    {
        Description = "Data set: fashion-mnist (Debian's dataset-fashion-mnist), mnist, cifar10 (binary version), folder (one sub-folder per class, or flat, of PNG/JPEG), or sample (the 256 Fashion-MNIST test images shipped in models/samples).",
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>--data DIR.</summary>
    public static Option<string?> Data() => new("--data")
    {
        Description = "Folder of the data set's files. Default: /usr/share/datasets/fashion-mnist for fashion-mnist; required for mnist, cifar10 and folder.",
    };

    /// <summary>--out DIR.</summary>
    public static Option<string> Out(string defaultValue) => new("--out", "-o")
    {
        Description = "Output folder (created if missing).",
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>--reference REF (default "mean").</summary>
    public static Option<string> Reference() => new("--reference")
    {
        Description = "Reference (baseline) of grad_x_input, IG and DeepLIFT: mean (the training mean recorded in the model file: per pixel for images up to 64 px a side, per channel above; refused when the model records none), " +
            "pixel-mean, channel-mean, zero, blur, blur:SIGMA (pixels), or a FILE: a .npy array [C,H,W] or [C] in pixel scale 0-1, or an image. Outputs name the reference actually used.",
        DefaultValueFactory = _ => "mean",
    };

    /// <summary>--ig-rule NAME (default riemann_right), its values from <see cref="Fragility.Attribution.PathIntegration.Names"/>.</summary>
    public static Option<string> IgRule() => new Option<string>("--ig-rule")
    {
        Description = $"Integration rule of integrated gradients: {string.Join(", ", Fragility.Attribution.PathIntegration.Names)} (riemann_right is the paper's).",
        DefaultValueFactory = _ => "riemann_right",
    }.AcceptOnlyFromAmong([.. Fragility.Attribution.PathIntegration.Names]);

    /// <summary>--smoothgrad-samples N (default 50).</summary>
    public static Option<int> SmoothGradSamples() => new Option<int>("--smoothgrad-samples")
    {
        Description = "Noisy samples averaged by SmoothGrad (method smoothgrad and the smoothgrad defences).",
        DefaultValueFactory = _ => 50,
    }.AtLeast(1);

    /// <summary>--smoothgrad-sigma S (default 38.25).</summary>
    public static Option<double> SmoothGradSigma() => new("--smoothgrad-sigma")
    {
        Description = "SmoothGrad's noise standard deviation in pixel units of the 0-255 scale (38.25 is 15% of the range, SmoothGrad's paper's choice).",
        DefaultValueFactory = _ => Fragility.Attribution.SmoothGrad.DefaultSigma255,
    };

    /// <summary>--strict: refuse inputs that would be converted.</summary>
    public static Option<bool> Strict() => new("--strict")
    {
        Description = "Refuse image files that would be converted on the way in (colour to grey, resized, centre-cropped) or whose background is far from the training images', instead of converting them with a note.",
    };

    /// <summary>--seed N.</summary>
    public static Option<int> Seed() => new("--seed")
    {
        Description = "Random seed; the same seed gives the same result.",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>--threads N.</summary>
    public static Option<int> Threads() => new("--threads")
    {
        Description = $"CPU threads for tensor work (this machine has {Environment.ProcessorCount} cores). 1, the default, is the safe choice on a shared machine " +
            "(per-operation threading overhead dominates small tensors: a 32-image attack sweep ran 9x faster on 1 thread than on 2 on a busy 2-core machine). " +
            "On an idle machine, or for large inputs such as 224x224 SqueezeNet, use all cores: small-cnn attack steps were mostly 1.3-1.9x faster on 2 threads of an idle 2-core machine.",
        DefaultValueFactory = _ => 1,
    };

    /// <summary>--device cpu|cuda|cuda:N (default cpu), checked by <see cref="Fragility.Runtime.TorchRuntime.UseDevice"/>.</summary>
    public static Option<string> Device() => new("--device")
    {
        Description = "Where models, data and every tensor of the computation live: cpu, cuda (the current GPU) or cuda:N. " +
            "cuda needs the CUDA build (dotnet build -p:TorchBackend=cuda) and an NVIDIA GPU with its driver; otherwise the run stops with one line saying so.",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>--jobs N (default: every core): worker processes, validated N &gt;= 1; <paramref name="description"/> replaces the grid commands' text.</summary>
    public static Option<int> Jobs(string? description = null)
    {
        var jobs = new Option<int>("--jobs", "-j")
        {
            Description = description ?? $"Worker processes, each one shard of the grid on one thread, merged at the end into what a single run writes (bit for bit). " +
                $"The default is every core of this machine ({DefaultJobs}), but never more than the grid's batches of --batch-size images (the demo's 32 images in one batch run in one process). " +
                "1 runs in this process; so does --threads N given without --jobs. With --shard (or a scheduler's array task) a run is one shard and --jobs must be 1.",
            DefaultValueFactory = _ => DefaultJobs,
        };
        jobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError($"--jobs must be at least 1, got {r.GetValueOrDefault<int>()}: give the number of worker processes, e.g. --jobs {DefaultJobs}");
        });
        return jobs;
    }

    /// <summary>--iterations P (default 300, the paper's), at least 1.</summary>
    public static Option<int> Iterations() => new Option<int>("--iterations", "-P") { Description = "Attack iterations P (ignored by the single-draw random attack); 300 is the paper's reference code's.", DefaultValueFactory = _ => 300 }.AtLeast(1);

    /// <summary>--step alpha in pixel units of the 0-255 scale (default 0.5, the paper's).</summary>
    public static Option<double> Step() => new Option<double>("--step") { Description = "Step size alpha of each iteration, in pixel units of the 0-255 scale (0.5 means 0.5/255 for inputs in [0, 1]; the paper's reference code's).", DefaultValueFactory = _ => 0.5 }.Above(0.0, 255.0);

    /// <summary>--k pixels of top-k (default: by map size, <see cref="Fragility.Attacks.AttackSettings.ResolveK"/>).</summary>
    public static Option<int?> K() => new Option<int?>("--k") { Description = "k of the top-k attack and of top-k intersection, in pixels. Without it: 10% of the pixels for maps up to 64x64 (78 for 28x28), 100 for 32x32, 1000 for 224x224, else 2%." }.AtLeast(1);

    /// <summary>--beta of the softplus twin (default 1, the paper's).</summary>
    public static Option<double> Beta() => new Option<double>("--beta") { Description = "Softplus beta of the smooth copy of the network used for attack gradients, softplus(z) = log(1 + exp(beta z)) / beta (unitless; larger is closer to ReLU; 1 is the paper's reference code's).", DefaultValueFactory = _ => 1.0 }.Positive();

    /// <summary>--batch-size images attacked together (default 16).</summary>
    public static Option<int> BatchSize() => new Option<int>("--batch-size") { Description = "Images attacked together (memory grows with it; results do not depend on it).", DefaultValueFactory = _ => 16 }.AtLeast(1);

    /// <summary>--overwrite: start <paramref name="what"/> over instead of resuming it.</summary>
    public static Option<bool> Overwrite(string what) => new("--overwrite") { Description = $"Delete {what} in --out and start over, instead of resuming it." };

    /// <summary>--epsilon E (default 8) in pixel units of the 0-255 scale, validated to (0, 255].</summary>
    public static Option<double> Epsilon(string what) => new Option<double>("--epsilon", "-e")
    {
        Description = EpsilonScale + what,
        DefaultValueFactory = _ => 8.0,
    }.Above(0.0, 255.0);

    /// <summary>--epsilons E1,E2,... (default the paper's 1,2,4,8) in pixel units of the 0-255 scale, each in (0, 255].</summary>
    public static Option<string> Epsilons(string what) => new Option<string>("--epsilons")
    {
        Description = EpsilonScale + what + " Comma-separated.",
        DefaultValueFactory = _ => "1,2,4,8",
    }.NumbersAbove(0.0, 255.0);

    private const string EpsilonScale = "L-infinity size of the perturbation in pixel units of the 0-255 scale: 8 means 8/255 for inputs in [0, 1]. ";

    /// <summary>A number in the invariant culture's shortest form (settings echoed to the user).</summary>
    public static string Number(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static bool Given(ParseResult pr, Option option) => pr.GetResult(option) is { Implicit: false };

    /// <summary>The default of --jobs: the machine's cores.</summary>
    public static int DefaultJobs => Environment.ProcessorCount;

    /// <summary>The workers to run: 1 when this run is a shard (given by --shard or by a scheduler's environment), 1 when
    /// --threads is written out without --jobs (one process of that many threads, as before --jobs existed), else --jobs.
    /// --jobs above 1 written out together with a shard is refused.</summary>
    /// <exception cref="FragilityException">--jobs N &gt; 1 given with a shard.</exception>
    public static int Workers(ParseResult pr, Option<int> jobs, Option<int> threads, Fragility.Experiments.Sharding.SweepShard? shard, bool shardGiven)
    {
        ArgumentNullException.ThrowIfNull(pr);
        int n = pr.GetValue(jobs);
        if (shard is null) return Given(pr, threads) && !Given(pr, jobs) ? 1 : n;
        if (n > 1 && Given(pr, jobs))
            throw new FragilityException($"--jobs {n} runs shards of its own, but this run is shard {shard} " +
                (shardGiven ? "(--shard)" : "(from the scheduler's environment)") + ": give --jobs 1, or leave --shard out.");
        return 1;
    }
}
