namespace Fragility.Experiments.Geometry;

/// <summary>The means over the draws of one (units, dimension) point of a <see cref="ToyResult"/>.</summary>
/// <param name="Hidden">Number of units m.</param>
/// <param name="Dimension">Input dimension d.</param>
/// <param name="Draws">Draws averaged.</param>
/// <param name="RelativeChange">Mean measured relative change of the gradient map.</param>
/// <param name="FirstOrder">Mean first-order prediction.</param>
/// <param name="Exact">Mean closed form (m = 1; NaN otherwise).</param>
/// <param name="AnalyticExpected">Expected first order over the weight distribution, |g''/g'| eps d s sqrt(2/pi) (m = 1; NaN otherwise).</param>
/// <param name="TopKIntersection">Mean top-k intersection of the saliency maps.</param>
/// <param name="Spearman">Mean Spearman correlation of the saliency maps.</param>
public sealed record ToyGroup(int Hidden, int Dimension, int Draws, double RelativeChange, double FirstOrder, double Exact, double AnalyticExpected,
    double TopKIntersection, double Spearman);
