namespace Fragility.Training;

/// <summary>Settings of <see cref="Trainer"/>.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set (default 5).</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Images per optimisation step (default 128).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam learning rate (default 1e-3).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>L2 weight decay added by the optimiser (default 0).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Seed for initialisation and shuffling; the same seed gives the same weights (default 0).</summary>
    public int Seed { get; init; }

    /// <summary>Optional extra loss term (input-gradient norm, curvature...); null for plain cross-entropy.</summary>
    public ITrainingRegulariser? Regulariser { get; init; }

    /// <summary>Validates the settings, naming the bad one.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new FragilityException($"--epochs must be at least 1, got {Epochs}.");
        if (BatchSize < 1) throw new FragilityException($"--batch-size must be at least 1, got {BatchSize}.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new FragilityException($"--lr must be a positive number, got {LearningRate}.");
        if (WeightDecay < 0) throw new FragilityException($"--weight-decay must be non-negative, got {WeightDecay}.");
    }
}
