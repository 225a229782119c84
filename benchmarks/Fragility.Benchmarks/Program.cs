using System.Globalization;
using Fragility.Benchmarks;
using Fragility.Runtime;

// Usage: dotnet run -c Release --project benchmarks/Fragility.Benchmarks -- [suite ...] [--quick] [--reps N] [--threads N] [--out DIR]
var suites = typeof(IBenchmarkSuite).Assembly.GetTypes()
    .Where(t => typeof(IBenchmarkSuite).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
    .Select(t => (IBenchmarkSuite)Activator.CreateInstance(t)!).OrderBy(s => s.Name).ToList();
var names = new List<string>();
bool quick = false; int reps = 5; int? threads = null; string outDir = "benchmarks/results";
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--quick": quick = true; break;
        case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--out": outDir = args[++i]; break;
        case "--help" or "-h":
            Console.WriteLine("suites: " + string.Join(", ", suites.Select(s => $"{s.Name} ({s.Description})")));
            Console.WriteLine("options: --quick (small cases), --reps N (timed runs, default 5), --threads N (default: cores), --out DIR (default benchmarks/results)");
            return 0;
        default: names.Add(args[i]); break;
    }
}
TorchRuntime.Initialize(threads);
var bench = new Bench(warmup: 1, repetitions: quick ? 2 : reps, quick);
Console.WriteLine($"Fragility benchmarks: {Environment.ProcessorCount} cores, {TorchSharp.torch.get_num_threads()} torch threads, {(quick ? "quick" : "full")} mode");
foreach (var s in suites.Where(s => names.Count == 0 || names.Contains(s.Name)))
{
    Console.WriteLine($"[{s.Name}] {s.Description}");
    s.Run(bench);
    // Saved after every suite (same files, overwritten) so a long run that is stopped keeps what it measured.
    bench.Save(outDir);
}
return 0;
