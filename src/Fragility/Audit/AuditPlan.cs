using Fragility.Experiments;
using Fragility.Experiments.Sharding;

namespace Fragility.Audit;

/// <summary>
/// What an audit will run, chosen before it starts (<see cref="RobustnessAudit.Plan"/>) and kept in the audit folder
/// (audit.json), so that a resumed or sharded audit runs exactly the same images and iterations.
/// </summary>
public sealed class AuditPlan : IDisposable
{
    internal AuditPlan(string directory, AuditSettings settings, SelectedInputs inputs, SweepSettings sweep, IReadOnlyList<string> methods,
        IReadOnlyDictionary<string, string> skipped, AuditChoice choice, double calibrationSeconds, int usable, bool reused, SweepShard? shard)
    {
        Directory = directory;
        Settings = settings;
        Inputs = inputs;
        Sweep = sweep;
        GridMethods = methods;
        Skipped = skipped;
        Choice = choice;
        CalibrationSeconds = calibrationSeconds;
        UsableImages = usable;
        Reused = reused;
        Shard = shard;
    }

    /// <summary>The audit folder.</summary>
    public string Directory { get; }

    /// <summary>The settings the plan was made from.</summary>
    public AuditSettings Settings { get; }

    /// <summary>The audited images (stratified over classes, seeded), in data-set order.</summary>
    public SelectedInputs Inputs { get; }

    /// <summary>The attack grid run for the audit (a sweep: methods x random, top-k, mass-center x epsilons).</summary>
    public SweepSettings Sweep { get; }

    /// <summary>Every method of the grid: the audited methods and the defended one (beta-smoothed gradient).</summary>
    public IReadOnlyList<string> GridMethods { get; }

    /// <summary>Methods left out because the model cannot be explained by them, with the reason.</summary>
    public IReadOnlyDictionary<string, string> Skipped { get; }

    /// <summary>Images x iterations, the estimate and why.</summary>
    public AuditChoice Choice { get; }

    /// <summary>Seconds the calibration took (0 when the plan was read back).</summary>
    public double CalibrationSeconds { get; }

    /// <summary>Images that could be audited (correctly classified or unlabelled), of which <see cref="Choice"/> took some.</summary>
    public int UsableImages { get; }

    /// <summary>True when the plan was read back from an earlier run of the same audit (a resume).</summary>
    public bool Reused { get; }

    /// <summary>Share of the labelled images the model classifies correctly; null when no image has a known label.</summary>
    public double? Accuracy { get; init; }

    /// <summary>The model's number of classes.</summary>
    public int ClassCount { get; init; }

    /// <summary>Images whose label is known (the others are taken with their predicted label).</summary>
    public int LabelledImages { get; init; }

    /// <summary>The shard of the grid this process runs; null for all of it.</summary>
    public SweepShard? Shard { get; }

    /// <inheritdoc />
    public void Dispose() => Inputs.Dispose();
}
