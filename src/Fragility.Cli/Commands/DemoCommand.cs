using System.CommandLine;
using System.Diagnostics;
using Fragility.Cli.Infrastructure;
using Spectre.Console;

namespace Fragility.Cli.Commands;

/// <summary>
/// <c>fragility demo</c>: the first command a new user runs. A sweep of the shipped model on the shipped sample
/// (gradient, integrated gradients, DeepLIFT x random sign, top-k, mass-center x epsilon 1, 2, 4, 8), then the HTML
/// report and a short summary. It is <c>fragility sweep</c> with smaller defaults, so it finishes in minutes on two cores.
/// </summary>
public sealed class DemoCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 0;

    /// <summary>The demo's sweep settings that differ from <c>fragility sweep</c>'s defaults.</summary>
    public static IReadOnlyDictionary<string, string> Defaults { get; } = new Dictionary<string, string>
    {
        ["--dataset"] = "sample", ["--images"] = "32", ["--iterations"] = "30", ["--step"] = "1",
        ["--ig-steps"] = "32", ["--attack-steps"] = "8", ["--batch-size"] = "32", ["--out"] = "fragility-demo",
    };

    /// <inheritdoc />
    public Command Build()
    {
        var cmd = new Command("demo",
            "The main job: attack the explanations of the shipped Fashion-MNIST model on 32 shipped test images (gradient, integrated gradients, DeepLIFT x random sign, top-k, mass-center x epsilon 1, 2, 4, 8 on the 0-255 scale), then write an HTML report and print a summary. " +
            "It runs 'fragility sweep' with these defaults: " + string.Join(", ", Defaults.Select(kv => $"{kv.Key} {kv.Value}")) +
            ". Every option of 'fragility sweep' is accepted and overrides them (see 'fragility sweep --help'); with Debian's Fashion-MNIST installed, --dataset fashion-mnist allows more --images than the 256 shipped.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        cmd.SetAction(pr =>
        {
            var passed = pr.UnmatchedTokens.ToList();
            var args = new List<string> { "sweep" };
            foreach (var (option, value) in Defaults)
                if (!passed.Contains(option) && !(option == "--out" && passed.Contains("-o")) && !(option == "--images" && passed.Contains("-n")))
                    args.AddRange([option, value]);
            args.AddRange(passed);
            var clock = Stopwatch.StartNew();
            int code = CliApp.Run([.. args], pr.InvocationConfiguration.Output, pr.InvocationConfiguration.Error);
            if (code != 0) return code;
            CliConsole.Of(pr).Line($"Finished in {clock.Elapsed.TotalSeconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)} s.");
            return 0;
        });
        return cmd;
    }
}
