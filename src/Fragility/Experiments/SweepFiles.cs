using System.Globalization;
using Fragility.Reporting;

namespace Fragility.Experiments;

/// <summary>
/// The layout of a sweep folder (the contract the reporting builds on):
/// <list type="bullet">
/// <item><description>run.json: the settings, versions and fingerprint of the run;</description></item>
/// <item><description>results.jsonl: one JSON line per input x method x attack x epsilon;</description></item>
/// <item><description>arrays/: float32 .npy files x_{image} [C,H,W], map_{image}_{method} [H,W],
/// adv_{image}_{method}_{attack}_{eps} [C,H,W] and advmap_{image}_{method}_{attack}_{eps} [H,W];</description></item>
/// <item><description>summary.csv and figure.png, written at the end.</description></item>
/// </list>
/// Epsilons in file names are written in the invariant culture's shortest round-trip form ("8", "0.5").
/// </summary>
public static class SweepFiles
{
    /// <summary>Settings file name.</summary>
    public const string RunFile = RunInfo.FileName;

    /// <summary>Results file name.</summary>
    public const string ResultsFile = Reporting.ResultsFile.FileName;

    /// <summary>Summary file name.</summary>
    public const string SummaryFile = SweepSummary.FileName;

    /// <summary>Figure file name.</summary>
    public const string FigureFile = "figure.png";

    /// <summary>Folder of the arrays.</summary>
    public const string ArraysFolder = "arrays";

    /// <summary>Epsilon as written in file names ("8", "0.5").</summary>
    public static string Epsilon(double epsilon) => epsilon.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>arrays/x_{image}.npy: the clean input [C, H, W].</summary>
    public static string CleanImage(int image) => Path.Combine(ArraysFolder, $"x_{image}.npy");

    /// <summary>arrays/map_{image}_{method}.npy: the clean map [H, W].</summary>
    public static string CleanMap(int image, string method) => Path.Combine(ArraysFolder, $"map_{image}_{method}.npy");

    /// <summary>arrays/adv_{image}_{method}_{attack}_{eps}.npy: the returned image [C, H, W].</summary>
    public static string Perturbed(int image, string method, string attack, double epsilon) =>
        Path.Combine(ArraysFolder, $"adv_{image}_{method}_{attack}_{Epsilon(epsilon)}.npy");

    /// <summary>arrays/advmap_{image}_{method}_{attack}_{eps}.npy: the map of the returned image [H, W].</summary>
    public static string PerturbedMap(int image, string method, string attack, double epsilon) =>
        Path.Combine(ArraysFolder, $"advmap_{image}_{method}_{attack}_{Epsilon(epsilon)}.npy");

    /// <summary>Deletes a whole sweep's files in <paramref name="directory"/> (the single run's run.json,
    /// results.jsonl, summary.csv, figure.png and arrays/), and with <paramref name="withShards"/> every shard's run
    /// and results files too: the one way --overwrite clears a sweep, an audit or a --jobs run.</summary>
    public static void Delete(string directory, bool withShards)
    {
        if (!Directory.Exists(directory)) return;
        foreach (string name in new[] { RunFile, ResultsFile, SummaryFile, FigureFile })
            File.Delete(Path.Combine(directory, name));
        if (withShards)
            foreach (string file in Directory.EnumerateFiles(directory, "*.shard-*")) File.Delete(file);
        string arrays = Path.Combine(directory, ArraysFolder);
        if (Directory.Exists(arrays)) Directory.Delete(arrays, recursive: true);
    }
}
