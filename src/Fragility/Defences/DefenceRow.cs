namespace Fragility.Defences;

/// <summary>
/// One row of the defence table: a model (with its training regulariser) x an attribution method x an
/// explanation-side defence. Robustness values are means over the attacked images at <see cref="Epsilon"/>; maps are
/// compared with the clean map of the same (defended) method on the original ReLU network, for the clean label.
/// </summary>
public sealed record DefenceRow
{
    /// <summary>Model name (its file name without extension).</summary>
    public string Model { get; init; } = "";

    /// <summary>Training regulariser from the model's metadata ("none" when trained without one).</summary>
    public string Regulariser { get; init; } = "none";

    /// <summary>Its strength lambda as recorded ("0" for none).</summary>
    public string Lambda { get; init; } = "0";

    /// <summary>Base attribution method name.</summary>
    public string Method { get; init; } = "";

    /// <summary>Explanation-side defence name ("none" for the plain method).</summary>
    public string Defence { get; init; } = "none";

    /// <summary>Full description of the defended method (every setting that changes the map).</summary>
    public string MethodDescription { get; init; } = "";

    /// <summary>The attack behind the robustness columns (the adaptive attack through the defence).</summary>
    public string Attack { get; init; } = "";

    /// <summary>Number of attacked images.</summary>
    public int Images { get; init; }

    /// <summary>k of top-k, pixels.</summary>
    public int K { get; init; }

    /// <summary>Epsilon of the table columns, 0-255 scale.</summary>
    public double Epsilon { get; init; }

    /// <summary>Test accuracy of the model in [0, 1] (whole test split).</summary>
    public double Accuracy { get; init; }

    /// <summary>Top-k intersection after the top-k attack.</summary>
    public double TopKAfterTopK { get; init; }

    /// <summary>Spearman rank correlation after the top-k attack.</summary>
    public double SpearmanAfterTopK { get; init; }

    /// <summary>Centre-of-mass shift (pixels) after the top-k attack.</summary>
    public double ShiftAfterTopK { get; init; }

    /// <summary>Top-k intersection after the mass-center attack.</summary>
    public double TopKAfterMassCenter { get; init; }

    /// <summary>Spearman rank correlation after the mass-center attack.</summary>
    public double SpearmanAfterMassCenter { get; init; }

    /// <summary>Centre-of-mass shift (pixels) after the mass-center attack.</summary>
    public double ShiftAfterMassCenter { get; init; }

    /// <summary>Share of the top-k and mass-center attacks that found a perturbation keeping the label (the others
    /// return the clean input and count as unmoved).</summary>
    public double LabelKept { get; init; }

    /// <summary>Top-k intersection after one random-sign draw of size epsilon (the baseline).</summary>
    public double TopKAfterRandom { get; init; }

    /// <summary>Top-k intersection of the defended map after the undefended map's top-k attack (non-adaptive, transfer);
    /// NaN for rows without an explanation-side defence, where both attacks are the same.</summary>
    public double TopKAfterTransferTopK { get; init; } = double.NaN;

    /// <summary>Centre shift (pixels) of the defended map after the undefended map's mass-center attack (non-adaptive);
    /// NaN without an explanation-side defence.</summary>
    public double ShiftAfterTransferMassCenter { get; init; } = double.NaN;

    /// <summary>Mean deletion AUC (lower is more faithful), in [0, 1].</summary>
    public double DeletionAuc { get; init; }

    /// <summary>Mean insertion AUC (higher is more faithful), in [0, 1].</summary>
    public double InsertionAuc { get; init; }

    /// <summary>Mean Spearman correlation between the maps of the trained and of the randomised model (lower means
    /// the map depends on the weights, as it must).</summary>
    public double RandomisationSpearman { get; init; }

    /// <summary>Milliseconds per map (a batch's maps, timed after a warm-up, divided by the batch size), measured during the run.</summary>
    public double MillisecondsPerMap { get; init; }

    /// <summary>Extra milliseconds per map over the same model's undefended method.</summary>
    public double ExtraMillisecondsPerMap { get; init; }

    /// <summary>Training seconds per epoch from the model's metadata: wall clock, so it includes the machine's load (NaN when not recorded).</summary>
    public double SecondsPerEpoch { get; init; } = double.NaN;

    /// <summary>Extra training seconds per epoch of the model's regulariser, measured by <see cref="TrainingCost"/> (0 without
    /// one; NaN when the regulariser or the epoch length cannot be read from the metadata).</summary>
    public double ExtraSecondsPerEpoch { get; init; } = double.NaN;

    /// <summary>Mean top-k intersection after the top-k attack at each epsilon of the curve (0-255 scale).</summary>
    public IReadOnlyDictionary<double, double> TopKCurve { get; init; } = new Dictionary<double, double>();

    /// <summary>A short label: "model · method · defence".</summary>
    public string Label => $"{Model} · {Method}{(Defence == "none" ? "" : " + " + Defence)}";
}
