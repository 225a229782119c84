using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fragility.Benchmarks;

/// <summary>
/// A small timing harness: warm-up runs, then repeated timed runs, reporting median and spread. Hand-written
/// rather than BenchmarkDotNet because each case here is a second-scale TorchSharp workload on a 2-core machine,
/// where BenchmarkDotNet's pilot and many-iteration design would take hours; the rule is the same (same command
/// before and after a change, compare medians).
/// </summary>
public sealed class Bench
{
    private readonly List<BenchResult> _results = [];
    private readonly string _stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);

    /// <summary>Creates a harness.</summary>
    public Bench(int warmup, int repetitions, bool quick)
    {
        Warmup = warmup;
        Repetitions = repetitions;
        Quick = quick;
    }

    /// <summary>Untimed runs before measuring.</summary>
    public int Warmup { get; }

    /// <summary>Timed runs per case.</summary>
    public int Repetitions { get; }

    /// <summary>When true, suites shrink their cases (smoke run).</summary>
    public bool Quick { get; }

    /// <summary>All results so far.</summary>
    public IReadOnlyList<BenchResult> Results => _results;

    /// <summary>Times <paramref name="action"/>; <paramref name="unitsPerRun"/> converts to a rate (e.g. maps per run).</summary>
    public BenchResult Measure(string suite, string name, Action action, double unitsPerRun = 1, string unit = "op", Func<string>? note = null)
    {
        // At least Warmup runs and at least half a second: millisecond cases otherwise time the JIT and the
        // allocator's first growth (the first case of a run measured 10x slow with a single warm-up run).
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < Warmup || warm.ElapsedMilliseconds < 500; i++) action();
        var times = new double[Repetitions];
        for (int i = 0; i < Repetitions; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        return Report(suite, name, times, unitsPerRun, unit, note?.Invoke());
    }

    /// <summary>Records times measured elsewhere (e.g. reps alternated with another process) as one timed case.</summary>
    public BenchResult Report(string suite, string name, IReadOnlyList<double> timesMs, double unitsPerRun = 1, string unit = "op", string? note = null)
    {
        var times = timesMs.Order().ToArray();
        double median = Median(times);
        var r = new BenchResult(suite, name, median, times[0], times[^1], times.Length, unitsPerRun * 1000.0 / median, unit, note);
        _results.Add(r);
        Console.WriteLine($"  {name,-58} median {median,10:F1} ms  [{times[0]:F1} .. {times[^1]:F1}]  {r.Rate,10:G4} {unit}/s{(r.Note is null ? "" : "  " + r.Note)}");
        return r;
    }

    /// <summary>Median of <paramref name="sorted"/> (ascending).</summary>
    public static double Median(IReadOnlyList<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : 0.5 * (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]);

    /// <summary>Records a non-timing quantity (memory, counts).</summary>
    public void Record(string suite, string name, double value, string unit, string? note = null)
    {
        _results.Add(new BenchResult(suite, name, double.NaN, double.NaN, double.NaN, 0, value, unit, note));
        Console.WriteLine($"  {name,-58} {value,10:G5} {unit}{(note is null ? "" : "  " + note)}");
    }

    /// <summary>Writes the results so far as JSON and a Markdown table (one pair of files per harness, rewritten on each call).</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string stamp = _stamp;
        File.WriteAllText(Path.Combine(directory, $"bench-{stamp}.json"), JsonSerializer.Serialize(_results, new JsonSerializerOptions
        {
            // Recorded quantities (memory) have no timing: their NaN medians are written as "NaN".
            WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        using var md = new StreamWriter(Path.Combine(directory, $"bench-{stamp}.md"));
        md.WriteLine("| suite | case | median ms | min ms | max ms | rate |");
        md.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var r in _results)
            md.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Suite} | {r.Name} | {r.MedianMs:F1} | {r.MinMs:F1} | {r.MaxMs:F1} | {r.Rate:G4} {r.Unit}{(double.IsNaN(r.MedianMs) ? "" : "/s")} |"));
        Console.WriteLine($"results written to {directory}/bench-{stamp}.{{json,md}}");
    }
}
