using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fragility.Reporting;

/// <summary>
/// A sweep's <c>run.json</c>: the settings that reproduce it (command, model, data, methods, attacks, epsilons on
/// the 0-255 scale, attack parameters, class names, versions). Read tolerantly: fields may be missing (properties
/// are then null or empty) and unknown fields are kept in <see cref="Raw"/>, which the report shows in full.
/// </summary>
public sealed class RunInfo
{
    /// <summary>File name of the settings inside a sweep folder.</summary>
    public const string FileName = "run.json";

    private RunInfo(JsonObject raw)
    {
        Raw = raw;
    }

    /// <summary>Every field of run.json, in file order.</summary>
    public JsonObject Raw { get; }

    /// <summary>The exact command line that produced the sweep.</summary>
    public string? Command => Text("command");

    /// <summary>Name of the model.</summary>
    public string? Model => Text("model");

    /// <summary>Architecture of the model (e.g. "small-cnn").</summary>
    public string? Architecture => Text("architecture");

    /// <summary>Name of the data set.</summary>
    public string? Dataset => Text("dataset");

    /// <summary>Creation time as written (UTC, ISO 8601).</summary>
    public string? CreatedUtc => Text("created_utc");

    /// <summary>Number of inputs attacked.</summary>
    public int? Images => Raw["images"] is JsonValue v && v.TryGetValue(out int n) ? n : null;

    /// <summary>Top-k size in pixels.</summary>
    public int? K => Raw["k"] is JsonValue v && v.TryGetValue(out int n) ? n : null;

    /// <summary>Explanation methods, in the order of the sweep.</summary>
    public IReadOnlyList<string> Methods => Strings("methods");

    /// <summary>Attacks, in the order of the sweep.</summary>
    public IReadOnlyList<string> Attacks => Strings("attacks");

    /// <summary>The metrics the sweep chose with --metrics (catalogue names), or null when run.json records no choice
    /// (the default metrics, <see cref="Fragility.Metrics.MetricCatalogue.DefaultNames"/>).</summary>
    public IReadOnlyList<string>? Metrics => ChosenMetrics(Raw);

    /// <summary>The "metrics" of a run.json object, or null when it has none (see <see cref="Metrics"/>).</summary>
    public static IReadOnlyList<string>? ChosenMetrics(JsonObject run) =>
        Strings(run, "metrics");

    /// <summary>Class names indexed by label.</summary>
    public IReadOnlyList<string> ClassNames => Strings("class_names");

    /// <summary>Epsilons (0-255 scale), in the order given.</summary>
    public IReadOnlyList<double> Epsilons =>
        Raw["epsilons"] is JsonArray a
            ? a.Select(n => n is JsonValue v && v.TryGetValue(out double d) ? d : double.NaN).Where(double.IsFinite).ToArray()
            : [];

    /// <summary>Versions of the software that produced the sweep (name → version).</summary>
    public IReadOnlyDictionary<string, string> Versions =>
        Raw["versions"] is JsonObject o
            ? o.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue(out string? s) ? s : p.Value?.ToJsonString() ?? "")
            : new Dictionary<string, string>();

    /// <summary>The class name of a label, or the label number as text when there is none.</summary>
    public string ClassName(int label) =>
        label >= 0 && label < ClassNames.Count ? ClassNames[label] : label.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads run.json from a file path or a sweep folder.</summary>
    /// <exception cref="FragilityException">The file is missing or is not a JSON object.</exception>
    public static RunInfo Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) path = Path.Combine(path, FileName);
        if (!File.Exists(path))
            throw new FragilityException($"Run settings '{path}' do not exist. Run a sweep into that folder first (fragility sweep --out DIR).");
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (FragilityException e)
        {
            throw new FragilityException($"Run settings '{path}': {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new FragilityException($"Cannot read run settings '{path}': {e.Message}. Check that it is readable.", e);
        }
    }

    /// <summary>Parses the text of a run.json.</summary>
    /// <exception cref="FragilityException">The text is not a JSON object.</exception>
    public static RunInfo Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true }) is JsonObject o
                ? new RunInfo(o)
                : throw new FragilityException("run.json is not a JSON object. Re-run the sweep to rewrite it.");
        }
        catch (JsonException e)
        {
            throw new FragilityException($"run.json is not valid JSON ({e.Message}). Re-run the sweep to rewrite it.", e);
        }
    }

    /// <summary>An empty description, for a sweep folder without run.json.</summary>
    public static RunInfo Empty() => new(new JsonObject());

    private string? Text(string key) => Raw[key] switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s,
        null => null,
        var n => n.ToJsonString(),
    };

    private IReadOnlyList<string> Strings(string key) => Strings(Raw, key) ?? [];

    private static string[]? Strings(JsonObject o, string key) =>
        o[key] is JsonArray a ? a.Select(n => n is JsonValue v && v.TryGetValue(out string? s) ? s : n?.ToJsonString() ?? "").ToArray() : null;
}
