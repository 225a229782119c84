namespace Fragility.Influence;

/// <summary>What the ReLU network and the head say about one (possibly perturbed) test image.</summary>
/// <param name="Influence">I(z_i, z_t) for every training point, for the test label.</param>
/// <param name="Probabilities">The head's class probabilities.</param>
/// <param name="NetworkLabel">The full network's predicted class (over all its classes).</param>
public sealed record InfluenceState(double[] Influence, double[] Probabilities, int NetworkLabel)
{
    /// <summary>The head's predicted label (ties to the lower index).</summary>
    public int HeadLabel => Array.IndexOf(Probabilities, Probabilities.Max());

    /// <summary>True when the head still predicts <paramref name="label"/>.</summary>
    public bool HeadLabelKept(int label) => HeadLabel == label;
}
