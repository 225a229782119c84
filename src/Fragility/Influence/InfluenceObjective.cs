namespace Fragility.Influence;

/// <summary>
/// The dissimilarity D(x) the influence attack increases, on the influence vector I(x) of the test point
/// (I_i = I(z_i, z_t(x))) and the set T of its top helpful training points (most negative I).
/// </summary>
public enum InfluenceObjective
{
    /// <summary>D = sum_(i in T) I_i: the paper's objective. Raising it makes the points of T less helpful, but every I_i
    /// shares the factor p_t - y_t, so it can also be raised by only making the prediction more confident.</summary>
    Raw,

    /// <summary>D = sum_(i in T) I_i / ||I||: the same on the influence vector normalised to unit length (as the authors'
    /// released code does), which removes the shared factor and can only grow by changing the ranking's shape.</summary>
    Normalised,
}
