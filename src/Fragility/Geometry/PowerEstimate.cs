namespace Fragility.Geometry;

/// <summary>What <see cref="PowerIteration"/> reports per row and watches for convergence.</summary>
public enum PowerEstimate
{
    /// <summary>The Rayleigh quotient <c>v . A v</c> of the unit iterate: the signed eigenvalue of largest magnitude of a
    /// symmetric operator.</summary>
    RayleighQuotient,

    /// <summary>The product norm <c>||A v||</c> of the unit iterate: that eigenvalue's magnitude, approached from below;
    /// for a normal operator <c>A^T A</c> the square of A's spectral norm (<see cref="OperatorNorm"/>).</summary>
    ProductNorm,

    /// <summary>For a <see cref="NormalOperator"/> A^T A only: the two-sided step <c>v &lt;- A^T (A v / ||A v||)</c>, whose
    /// norm <c>||A^T A v|| / ||A v||</c> is A's largest singular value itself (watched to sigma's precision rather than
    /// sigma^2's), as the spectral-norm projection in training uses it.</summary>
    SingularValue,
}
