namespace Fragility.Influence;

/// <summary>
/// The exemplar explanation of one test prediction: the influence of every training point on its test loss and
/// the training points ranked by it.
/// </summary>
/// <param name="Label">Label of the test point used in its loss (0 .. classes - 1).</param>
/// <param name="Probabilities">The head's class probabilities for the test point.</param>
/// <param name="Loss">The head's test loss -log p(label).</param>
/// <param name="Influence">I(z_i, z_t) for every training point i (I &lt; 0: helpful; removing z_i changes the test loss by about -(1/n) I).</param>
/// <param name="Helpful">Positions of the most helpful training points, most negative influence first.</param>
/// <param name="Harmful">Positions of the most harmful training points, most positive influence first.</param>
public sealed record InfluenceExplanation(int Label, IReadOnlyList<double> Probabilities, double Loss, double[] Influence, int[] Helpful, int[] Harmful)
{
    /// <summary>Euclidean length of the influence vector.</summary>
    public double Norm => Math.Sqrt(Influence.Sum(v => v * v));
}
