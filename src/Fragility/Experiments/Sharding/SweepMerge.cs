using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

using Fragility.IO;

namespace Fragility.Experiments.Sharding;

/// <summary>
/// Merges the shards of one sweep (written by <c>fragility sweep --shard I/N</c>, possibly on many machines and into
/// several folders) into the folder a single run with the same settings writes: run.json, results.jsonl (every cell
/// once, in the single run's order), summary.csv, figure.png and arrays/.
/// </summary>
/// <remarks>
/// Refuses, naming the files and the fix: folders without shards; shards of different sweeps (another settings
/// fingerprint), shard counts or batch sizes; a shard present twice; missing shards; result lines that are not
/// cells of the sweep or belong to another shard's images; a cell present twice; and missing cells (a shard that
/// has not finished). An incomplete last line (a shard killed mid-write) counts as a missing cell.
/// </remarks>
public static class SweepMerge
{
    // Manifest keys that describe one process rather than the sweep's settings.
    private static readonly HashSet<string> RunKeys = ["command", "created_utc", "model_path", "versions", "fingerprint", ShardFiles.ShardKey];

    /// <summary>Merges the shards found in <paramref name="inputs"/> into <paramref name="output"/>.</summary>
    /// <param name="inputs">Folders holding shard files (run.shard-I-of-N.json and results.shard-I-of-N.jsonl).</param>
    /// <param name="output">The merged sweep folder; created if missing; may be one of the inputs.</param>
    /// <exception cref="FragilityException">The shards are not one complete sweep (see remarks).</exception>
    public static MergeOutcome Run(IReadOnlyList<string> inputs, string output)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(output);
        if (inputs.Count == 0) throw new FragilityException("No folder to merge: give the --out folder(s) of the sharded sweep, e.g. fragility merge DIR --out DIR.");
        var folders = inputs.Select(Path.GetFullPath).Distinct().ToList();
        var shards = folders.SelectMany(FindShards).ToList();
        // The folder the whole sweep runs in: a sweep writing there now (or another merge) is refused.
        using var guard = FolderLock.Take(output, "sweep", "sweep");

        var first = CheckOneSweep(shards);
        int count = first.Shard.Count;
        CheckEveryShardOnce(shards, folders, count);
        shards.Sort((a, b) => a.Shard.Index.CompareTo(b.Shard.Index));

        var grid = SweepGrid.From(first.Manifest, first.RunPath);
        var lines = new Dictionary<SweepCell, (string Line, string Where)>();
        foreach (var shard in shards) ReadResults(shard, grid, lines);
        CheckNoCellMissing(shards, grid, lines);

        string outDir = Path.GetFullPath(output);
        Directory.CreateDirectory(outDir);
        CheckOutputFolder(outDir, first.Fingerprint);
        int copied = 0;
        foreach (string folder in shards.Select(s => s.Folder).Distinct())
            if (!SameFolder(folder, outDir)) copied += CopyArrays(folder, outDir);

        var manifest = (JsonObject)first.Manifest.DeepClone();
        manifest.Remove(ShardFiles.ShardKey);
        AtomicFile.WriteAllText(Path.Combine(outDir, SweepFiles.RunFile), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var ordered = lines.OrderBy(kv => grid.Order(kv.Key)).Select(kv => kv.Value.Line + "\n");
        AtomicFile.WriteAllText(Path.Combine(outDir, SweepFiles.ResultsFile), string.Concat(ordered));
        FragilitySweep.WriteSummary(outDir, grid.FigureTitle);
        return new MergeOutcome(outDir, count, lines.Count, copied, first.Fingerprint);
    }

    private static IEnumerable<ShardRun> FindShards(string folder)
    {
        if (!Directory.Exists(folder))
            throw new FragilityException($"Folder '{folder}' does not exist: give the --out folder(s) of the sharded sweep.");
        var found = Directory.EnumerateFiles(folder)
            .Select(path => (Path: path, Shard: ShardFiles.ParseRunFile(Path.GetFileName(path))))
            .Where(f => f.Shard is not null)
            .Select(f => ShardRun.Load(folder, f.Path, f.Shard!))
            .ToList();
        if (found.Count == 0)
        {
            string hint = File.Exists(Path.Combine(folder, SweepFiles.RunFile))
                ? "it holds a single run (run.json), which needs no merge"
                : "give the --out folder of 'fragility sweep --shard I/N' (or of its Slurm/Kubernetes array)";
            throw new FragilityException($"'{folder}' holds no shard of a sweep (no run.shard-I-of-N.json): {hint}.");
        }
        return found;
    }

    private static ShardRun CheckOneSweep(List<ShardRun> shards)
    {
        var first = shards.OrderBy(s => s.Shard.Index).First();
        foreach (var s in shards)
        {
            if (s.Fingerprint != first.Fingerprint)
            {
                var differ = first.Manifest.Select(kv => kv.Key).Union(s.Manifest.Select(kv => kv.Key))
                    .Where(k => !RunKeys.Contains(k) && (first.Manifest[k]?.ToJsonString() ?? "null") != (s.Manifest[k]?.ToJsonString() ?? "null"))
                    .ToList();
                throw new FragilityException($"{s.RunPath} (fingerprint {s.Fingerprint}) and {first.RunPath} (fingerprint {first.Fingerprint}) are shards of different sweeps" +
                    (differ.Count > 0 ? $" (settings differ in {string.Join(", ", differ)})" : "") + ": merge the shards of one sweep only.");
            }
            if (s.Shard.Count != first.Shard.Count)
                throw new FragilityException($"{s.RunPath} is shard {s.Shard} but {first.RunPath} is shard {first.Shard}: a sweep is merged from shards of one split; rerun with the same N.");
            if (s.BatchSize != first.BatchSize)
                throw new FragilityException($"{s.RunPath} used --batch-size {s.BatchSize} but {first.RunPath} used {first.BatchSize}: shards own whole batches, so all must use one batch size; rerun with the same --batch-size.");
        }
        return first;
    }

    private static void CheckEveryShardOnce(List<ShardRun> shards, List<string> folders, int count)
    {
        var twice = shards.GroupBy(s => s.Shard.Index).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new FragilityException($"Shard {twice.Key} of {count} is there twice: {string.Join(" and ", twice.Select(s => s.RunPath))}: give each shard's folder once (remove the extra copy).");
        var missing = Enumerable.Range(1, count).Where(i => shards.All(s => s.Shard.Index != i)).ToList();
        if (missing.Count > 0)
        {
            string names = string.Join(", ", missing.Take(20)) + (missing.Count > 20 ? ", ..." : "");
            throw new FragilityException($"Missing {missing.Count} of {count} shards: {names} (no run.shard-I-of-{count}.json in {string.Join(", ", folders)}). " +
                $"Run them (fragility sweep ... --shard {missing[0]}/{count}, or resubmit those array tasks) and merge again.");
        }
    }

    private static void ReadResults(ShardRun shard, SweepGrid grid, Dictionary<SweepCell, (string Line, string Where)> lines)
    {
        if (!File.Exists(shard.ResultsPath)) return;
        var (start, owned) = shard.Shard.Positions(grid.Images.Count, shard.BatchSize);
        string text = File.ReadAllText(shard.ResultsPath, Encoding.UTF8);
        // Anything after the last newline is a line cut by a kill; its cell counts as missing.
        int complete = text.LastIndexOf('\n') + 1;
        int number = 0;
        foreach (string raw in text[..complete].Split('\n'))
        {
            number++;
            string line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            string where = $"line {number} of {shard.ResultsPath}";
            var cell = ResultsLog.ParseCell(line, where, ": repair or delete that line, then merge again.");
            int position = grid.Position(cell);
            if (position < 0)
                throw new FragilityException($"{where} (image {cell.Image}, {cell.Method}, {cell.Attack}, eps {SweepFiles.Epsilon(cell.Epsilon)}) is not a cell of this sweep: remove it, or rerun that shard with --overwrite.");
            if (position < start || position >= start + owned)
                throw new FragilityException($"{where} is image {cell.Image}, which shard {shard.Shard} does not own: the file was edited or copied from another shard; rerun shard {shard.Shard} with --overwrite.");
            if (lines.TryGetValue(cell, out var before))
                throw new FragilityException($"Cell image {cell.Image}, {cell.Method}, {cell.Attack}, eps {SweepFiles.Epsilon(cell.Epsilon)} is there twice ({before.Where} and {where}): remove one of the lines.");
            lines[cell] = (line, where);
        }
    }

    private static void CheckNoCellMissing(List<ShardRun> shards, SweepGrid grid, Dictionary<SweepCell, (string Line, string Where)> lines)
    {
        var problems = new List<string>();
        foreach (var shard in shards)
        {
            var (start, owned) = shard.Shard.Positions(grid.Images.Count, shard.BatchSize);
            var missing = grid.Cells(start, owned).Where(c => !lines.ContainsKey(c)).ToList();
            if (missing.Count == 0) continue;
            var c = missing[0];
            problems.Add($"shard {shard.Shard} ({shard.ResultsPath}) lacks {missing.Count} of {grid.CellsPerImage * owned} cells, " +
                $"first image {c.Image}, {c.Method}, {c.Attack}, eps {SweepFiles.Epsilon(c.Epsilon)}");
        }
        if (problems.Count > 0)
            throw new FragilityException($"Unfinished shards: {string.Join("; ", problems)}. Run those shards again (they resume where they stopped), then merge again.");
    }

    private static void CheckOutputFolder(string outDir, string fingerprint)
    {
        string run = Path.Combine(outDir, SweepFiles.RunFile);
        if (!File.Exists(run)) return;
        string? existing;
        try { existing = (JsonNode.Parse(File.ReadAllText(run)) as JsonObject)?["fingerprint"]?.GetValue<string>(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { existing = null; }
        if (existing != fingerprint)
            throw new FragilityException($"'{outDir}' already holds another sweep ({SweepFiles.RunFile} with fingerprint {existing ?? "none"}, not {fingerprint}): choose another --out.");
    }

    private static int CopyArrays(string folder, string outDir)
    {
        string from = Path.Combine(folder, SweepFiles.ArraysFolder);
        if (!Directory.Exists(from)) return 0;
        string to = Path.Combine(outDir, SweepFiles.ArraysFolder);
        Directory.CreateDirectory(to);
        int copied = 0;
        foreach (string file in Directory.EnumerateFiles(from, "*.npy"))
        {
            // Skip files being written (a temp name) and copies already made by an earlier merge.
            string target = Path.Combine(to, Path.GetFileName(file));
            if (File.Exists(target) && new FileInfo(target).Length == new FileInfo(file).Length) continue;
            File.Copy(file, target, overwrite: true);
            copied++;
        }
        return copied;
    }

    private static bool SameFolder(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(b), StringComparison.Ordinal);

    /// <summary>One shard's run file, read.</summary>
    private sealed record ShardRun(string Folder, string RunPath, string ResultsPath, SweepShard Shard, string Fingerprint, int BatchSize, JsonObject Manifest)
    {
        public static ShardRun Load(string folder, string runPath, SweepShard fromName)
        {
            JsonObject manifest;
            try { manifest = JsonNode.Parse(File.ReadAllText(runPath)) as JsonObject ?? throw new JsonException("not a JSON object"); }
            catch (JsonException e)
            {
                throw new FragilityException($"'{runPath}' is not valid JSON ({e.Message.Split('\n')[0]}): rerun that shard with --overwrite.");
            }
            string fingerprint = Text(manifest, "fingerprint", runPath);
            int batchSize = Number(manifest, "batch_size", runPath);
            if (manifest[ShardFiles.ShardKey] is not JsonObject shard
                || Number(shard, "index", runPath) != fromName.Index || Number(shard, "count", runPath) != fromName.Count)
                throw new FragilityException($"'{runPath}' does not describe shard {fromName} as its name says: it was renamed or edited; rerun that shard with --overwrite.");
            return new ShardRun(folder, runPath, Path.Combine(folder, ShardFiles.ResultsFile(fromName)), fromName, fingerprint, batchSize, manifest);
        }

        private static string Text(JsonObject o, string key, string path) =>
            o[key] is JsonValue v && v.TryGetValue(out string? s) && !string.IsNullOrEmpty(s) ? s
                : throw new FragilityException($"'{path}' has no \"{key}\": it was not written by 'fragility sweep --shard'; rerun that shard.");

        public static int Number(JsonObject o, string key, string path) =>
            o[key] is JsonValue v && v.TryGetValue(out int n) ? n
                : throw new FragilityException($"'{path}' has no whole number \"{key}\": it was not written by 'fragility sweep --shard'; rerun that shard.");
    }

    /// <summary>The sweep's grid as its run.json states it, and the single run's order of cells.</summary>
    private sealed class SweepGrid
    {
        private readonly Dictionary<int, int> _position;
        private readonly List<string> _methods, _attacks;
        private readonly List<double> _epsilons;
        private readonly int _batchSize;

        private SweepGrid(List<int> images, List<string> methods, List<string> attacks, List<double> epsilons, int batchSize, string title)
        {
            Images = images;
            _position = images.Select((image, i) => (image, i)).ToDictionary(p => p.image, p => p.i);
            _methods = methods;
            _attacks = attacks;
            _epsilons = epsilons;
            _batchSize = batchSize;
            FigureTitle = title;
        }

        public List<int> Images { get; }

        public int CellsPerImage => _methods.Count * _attacks.Count * _epsilons.Count;

        public string FigureTitle { get; }

        public static SweepGrid From(JsonObject m, string path)
        {
            Grid grid;
            try { grid = m.Deserialize<Grid>(StrictJson.Options) ?? throw new JsonException("null"); }
            catch (JsonException)
            {
                throw new FragilityException($"'{path}' lacks the sweep's grid (image_indices, methods, attacks, epsilons, k): rerun that shard with --overwrite.");
            }
            string title = FragilitySweep.FigureTitle(grid.Images.Count, grid.K);
            return new SweepGrid(grid.Images, grid.Methods, grid.Attacks, grid.Epsilons, ShardRun.Number(m, "batch_size", path), title);
        }

        // Read with StrictJson: a missing or null field is a JsonException.
        private sealed record Grid(
            [property: JsonPropertyName("image_indices")] List<int> Images,
            [property: JsonPropertyName("methods")] List<string> Methods,
            [property: JsonPropertyName("attacks")] List<string> Attacks,
            [property: JsonPropertyName("epsilons")] List<double> Epsilons,
            [property: JsonPropertyName("k")] int K);

        /// <summary>Position of the cell's image in the sweep, or -1 when the cell is not in the grid.</summary>
        public int Position(SweepCell c) =>
            _position.TryGetValue(c.Image, out int p) && _methods.Contains(c.Method) && _attacks.Contains(c.Attack) && _epsilons.Contains(c.Epsilon) ? p : -1;

        /// <summary>The cells of the images at positions [start, start + count).</summary>
        public IEnumerable<SweepCell> Cells(int start, int count) =>
            from p in Enumerable.Range(start, count)
            from method in _methods
            from attack in _attacks
            from epsilon in _epsilons
            select new SweepCell(Images[p], method, attack, epsilon);

        /// <summary>A single run's write order: batch, method, attack, epsilon, then image within the batch.</summary>
        public (int, int, int, int, int) Order(SweepCell c)
        {
            int p = _position[c.Image];
            return (p / _batchSize, _methods.IndexOf(c.Method), _attacks.IndexOf(c.Attack), _epsilons.IndexOf(c.Epsilon), p);
        }
    }
}
