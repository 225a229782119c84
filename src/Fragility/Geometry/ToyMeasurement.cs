namespace Fragility.Geometry;

/// <summary>One draw of the toy model of <see cref="ToyModel"/> at one input dimension.</summary>
/// <param name="Dimension">Input dimension d.</param>
/// <param name="Hidden">Number of units m (1: the paper's rank-one toy).</param>
/// <param name="Seed">Seed of the draw.</param>
/// <param name="WeightL1">||w||_1 (for m &gt; 1 the mean over units of ||w_j||_1).</param>
/// <param name="RelativeChange">Measured <c>||grad f(x + delta) - grad f(x)||_2 / ||grad f(x)||_2</c>, by autograd in float64.</param>
/// <param name="FirstOrder">The first-order prediction <c>||H delta||_2 / ||grad f(x)||_2</c>; for m = 1 this is
/// <c>|g''(z)/g'(z)| eps ||w||_1</c>.</param>
/// <param name="Exact">For m = 1 the closed form <c>|g'(z + eps ||w||_1) / g'(z) - 1|</c>; NaN for m &gt; 1.</param>
/// <param name="TopKIntersection">Top-k intersection of the saliency maps |grad f| before and after (k = 10% of d).</param>
/// <param name="Spearman">Spearman rank correlation of the two saliency maps.</param>
public sealed record ToyMeasurement(int Dimension, int Hidden, int Seed, double WeightL1, double RelativeChange,
    double FirstOrder, double Exact, double TopKIntersection, double Spearman);
