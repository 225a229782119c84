namespace Fragility.Training;

/// <summary>What <see cref="TrainingRun"/> trains: an architecture of the registry on a data set.</summary>
public sealed record TrainingRequest
{
    /// <summary>Architecture name (<see cref="Models.ModelRegistry.Names"/>).</summary>
    public string Architecture { get; init; } = Models.ModelRegistry.SmallCnn;

    /// <summary>Data set name (<see cref="Data.DatasetCatalog.Names"/>).</summary>
    public string Dataset { get; init; } = Data.DatasetCatalog.FashionMnist;

    /// <summary>Folder of the data set's files (null: its default place).</summary>
    public string? DataDir { get; init; }

    /// <summary>Side in pixels the images are resized to (null: the data set's own size).</summary>
    public int? ImageSize { get; init; }

    /// <summary>Only the first N training images (null: all).</summary>
    public int? TrainImages { get; init; }

    /// <summary>"relu" or "softplus".</summary>
    public string Activation { get; init; } = "relu";

    /// <summary>Softplus beta when <see cref="Activation"/> is softplus.</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>Epochs, batch, optimiser, seed and regulariser.</summary>
    public TrainingOptions Options { get; init; } = new();

    /// <summary>The regulariser as the user named it (NAME[:key=value,...]), recorded in the model file.</summary>
    public string? RegulariserSpec { get; init; }

    /// <summary>Its strength, recorded in the model file.</summary>
    public double? Lambda { get; init; }

    /// <summary>The command line, recorded in the model file.</summary>
    public string Command { get; init; } = "";

    /// <summary>Checks what can be checked before any data are read.</summary>
    /// <exception cref="FragilityException">A setting is out of range or settings contradict each other.</exception>
    public void Validate()
    {
        if (Activation is not ("relu" or "softplus")) throw new FragilityException($"--activation must be relu or softplus, got '{Activation}'.");
        if (RegulariserSpec is not null && Lambda is null) throw new FragilityException("--regularise needs --lambda (the strength; for spectral the per-layer bound), e.g. --regularise input_gradient --lambda 0.1.");
        if (RegulariserSpec is null && Lambda is not null) throw new FragilityException("--lambda is the strength of --regularise; name a regulariser too, e.g. --regularise weight_decay --lambda 5e-4.");
        if (RegulariserSpec is not null && RegulariserSpec.Split(':')[0].Trim().Equals("weight_decay", StringComparison.OrdinalIgnoreCase) && Options.WeightDecay != 0)
            throw new FragilityException("--weight-decay and --regularise weight_decay would both penalise the weights: use one of them.");
        Options.Validate();
    }
}
