namespace Fragility.Metrics;

/// <summary>What a catalogue metric measures, in the categories of Quantus (Hedström et al., JMLR 2023) that this
/// project uses; see <see cref="MetricCatalogue"/>.</summary>
public enum MetricCategory
{
    /// <summary>How alike two maps of one image are (clean and perturbed): the paper's fragility measures.</summary>
    Similarity,

    /// <summary>How much an explanation changes under random input noise.</summary>
    Robustness,

    /// <summary>Whether the map ranks the pixels the model relies on first.</summary>
    Faithfulness,

    /// <summary>Whether the map changes when the model's parameters are randomised (a sanity check).</summary>
    Randomisation,
}
