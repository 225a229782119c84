using Fragility.Models;

namespace Fragility.Serve;

/// <summary>
/// The models the page may use: the default one (--model, or the shipped model) and the *.safetensors files directly
/// in the --models folder, each known by its file name. A request names a model; only names in this list are ever
/// opened, so no request can reach another file.
/// </summary>
internal sealed class ModelCatalog : IDisposable
{
    private readonly string _defaultName;
    private readonly string _defaultPath;
    private readonly string? _directory;
    private readonly Dictionary<string, ModelWorker> _workers = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public ModelCatalog(string? modelPath, string? directory)
    {
        _defaultPath = Path.GetFullPath(string.IsNullOrEmpty(modelPath) ? ModelStore.ShippedModelPath() : modelPath);
        if (!File.Exists(_defaultPath)) throw new FragilityException($"Model file '{modelPath}' not found: check --model.");
        _defaultName = Path.GetFileName(_defaultPath);
        if (directory is not null)
        {
            _directory = Path.GetFullPath(directory);
            if (!Directory.Exists(_directory)) throw new FragilityException($"--models '{directory}' is not a folder: give a folder of .safetensors model files.");
        }
    }

    /// <summary>The names on offer, the default first (the folder is read again each time, so new files appear).</summary>
    public IReadOnlyList<string> Names() => Listing().Select(e => e.Name).ToList();

    /// <summary>The worker of the model called <paramref name="name"/>.</summary>
    /// <exception cref="ServeException">404 when no model of that name is on offer.</exception>
    public ModelWorker Worker(string? name)
    {
        if (string.IsNullOrEmpty(name)) throw new ServeException(400, "No model given: choose one of the models on offer.");
        var entry = Listing().FirstOrDefault(e => e.Name == name);
        if (entry.Path is null) throw new ServeException(404, $"Unknown model '{name}': choose one of {string.Join(", ", Names())}.");
        lock (_lock)
        {
            if (!_workers.TryGetValue(name, out var worker)) _workers[name] = worker = new ModelWorker(name, entry.Path);
            return worker;
        }
    }

    private List<(string Name, string Path)> Listing()
    {
        var list = new List<(string, string)> { (_defaultName, _defaultPath) };
        if (_directory is null || !Directory.Exists(_directory)) return list;
        foreach (var file in new DirectoryInfo(_directory).EnumerateFiles("*.safetensors", SearchOption.TopDirectoryOnly)
                     .Where(f => !f.Name.StartsWith('.')).OrderBy(f => f.Name, StringComparer.Ordinal))
            if (file.Name != _defaultName) list.Add((file.Name, file.FullName));
        return list;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var w in _workers.Values) w.Dispose();
            _workers.Clear();
        }
    }
}
