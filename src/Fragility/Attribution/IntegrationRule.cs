namespace Fragility.Attribution;

/// <summary>
/// How the path integral of integrated gradients, integral_0^1 grad score(r + alpha (x - r)) d alpha, is
/// approximated by M points alpha_i with weights w_i (Captum's approximation_methods). See
/// <see cref="PathIntegration.Points"/> for the exact nodes and weights of each rule.
/// </summary>
public enum IntegrationRule
{
    /// <summary>Right Riemann sum, the paper's: alpha_i = i/M, i = 1..M, w_i = 1/M. Error O(1/M).</summary>
    RiemannRight,

    /// <summary>Left Riemann sum: alpha_i = i/M, i = 0..M-1, w_i = 1/M. Error O(1/M).</summary>
    RiemannLeft,

    /// <summary>Midpoint rule: alpha_i = (i + 1/2)/M, i = 0..M-1, w_i = 1/M. Error O(1/M^2) on smooth paths.</summary>
    RiemannMiddle,

    /// <summary>Trapezoid rule: alpha_i = i/(M-1), i = 0..M-1, w = 1/(M-1) with halved end weights (M at least 2).
    /// Error O(1/M^2) on smooth paths.</summary>
    Trapezoid,

    /// <summary>Gauss-Legendre quadrature of order M mapped to [0, 1] (MathNet.Numerics): exact for polynomials of
    /// degree 2M-1, so very few points suffice on smooth (softplus) paths.</summary>
    GaussLegendre,
}
