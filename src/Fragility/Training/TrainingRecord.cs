using System.Globalization;

namespace Fragility.Training;

/// <summary>
/// How a model was trained, as its metadata's "training" map records it (written by <see cref="TrainingRun"/>, read back
/// by <c>defend</c> for the training cost). The keys are part of the model file format: "regularizer", "regularizer_spec"
/// and "regularizer_settings" keep their first spelling so that every saved model still reads.
/// </summary>
public sealed record TrainingRecord
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Passes over the training set.</summary>
    public int? Epochs { get; init; }

    /// <summary>Images per optimisation step.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Adam's learning rate.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Adam's weight decay.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>Training images used.</summary>
    public int? TrainImages { get; init; }

    /// <summary>Wall-clock seconds of the whole training.</summary>
    public double? Seconds { get; init; }

    /// <summary>CPU threads it ran on.</summary>
    public int? Threads { get; init; }

    /// <summary>Seconds per epoch, including one test evaluation (the same for every regulariser, so differences are the
    /// regulariser's cost); older files have only <see cref="Seconds"/> and <see cref="Epochs"/>.</summary>
    public double? SecondsPerEpoch { get; init; }

    /// <summary>The regulariser's name, "none" without one.</summary>
    public string Regulariser { get; init; } = "none";

    /// <summary>The regulariser as given to <c>--regularise</c> (NAME[:key=value,...]), "none" without one.</summary>
    public string RegulariserSpec { get; init; } = "none";

    /// <summary>Its strength, as written ("0" without one; null when the map does not say).</summary>
    public string? Lambda { get; init; }

    /// <summary>Its settings in words, "none" without one.</summary>
    public string RegulariserSettings { get; init; } = "none";

    /// <summary>True when the model was trained with a regulariser.</summary>
    public bool Regularised => Regulariser != "none";

    /// <summary>Seconds per epoch as recorded, else the whole training's over its epochs; NaN when unknown.</summary>
    public double EpochSeconds => SecondsPerEpoch ?? (Seconds is double s && Epochs is int e && e > 0 ? s / e : double.NaN);

    /// <summary>The metadata map.</summary>
    public IReadOnlyDictionary<string, string> ToMetadata()
    {
        var map = new Dictionary<string, string>();
        void Put(string key, string? value)
        {
            if (value is not null) map[key] = value;
        }
        Put("epochs", Epochs?.ToString(Inv));
        Put("batch_size", BatchSize?.ToString(Inv));
        Put("lr", LearningRate?.ToString("R", Inv));
        Put("weight_decay", WeightDecay?.ToString("R", Inv));
        Put("train_images", TrainImages?.ToString(Inv));
        Put("seconds", Seconds?.ToString("F1", Inv));
        Put("threads", Threads?.ToString(Inv));
        Put("seconds_per_epoch", SecondsPerEpoch?.ToString("F2", Inv));
        map["regularizer"] = Regulariser;
        map["regularizer_spec"] = RegulariserSpec;
        map["lambda"] = Lambda ?? "0";
        map["regularizer_settings"] = RegulariserSettings;
        return map;
    }

    /// <summary>Reads a metadata map leniently: what is missing or unreadable stays unknown (null); null without a map.</summary>
    public static TrainingRecord? From(IReadOnlyDictionary<string, string>? map)
    {
        if (map is null) return null;
        int? I(string key) => map.TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, Inv, out int i) ? i : null;
        double? D(string key) => map.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, Inv, out double d) ? d : null;
        string regulariser = map.GetValueOrDefault("regularizer") ?? "none";
        return new TrainingRecord
        {
            Epochs = I("epochs"), BatchSize = I("batch_size"), LearningRate = D("lr"), WeightDecay = D("weight_decay"), TrainImages = I("train_images"),
            Seconds = D("seconds"), Threads = I("threads"), SecondsPerEpoch = D("seconds_per_epoch"), Regulariser = regulariser,
            RegulariserSpec = map.GetValueOrDefault("regularizer_spec") ?? regulariser, Lambda = map.GetValueOrDefault("lambda"),
            RegulariserSettings = map.GetValueOrDefault("regularizer_settings") ?? "none",
        };
    }
}
