namespace Fragility.Geometry;

/// <summary>The angles of one image (see <see cref="AngleMeasurement"/>), in degrees; NaN where a direction is zero.</summary>
/// <param name="Position">Position of the image among the measured images.</param>
/// <param name="Label">Predicted (clean) label, the class whose score and map are used.</param>
/// <param name="ScoreGradientNorm">||grad_x score_y|| on the softplus twin (score per unit of [0, 1] input).</param>
/// <param name="TopKAngle">Angle in [0, 180] between grad_x score_y and grad_x D of the top-k objective.</param>
/// <param name="MassCenterAngle">Angle in [0, 180] between grad_x score_y and grad_x D of the mass-center objective.</param>
/// <param name="EigenvectorAngle">Angle in [0, 90] between grad_x score_y and the line of the Hessian's dominant
/// eigenvector (an eigenvector has no sign, so the acute angle).</param>
/// <param name="DominantEigenvalue">The Hessian's eigenvalue of largest magnitude (signed; score per unit input squared).</param>
/// <param name="TopKEigenvectorAngle">Angle in [0, 90] between grad_x D of the top-k objective and the dominant eigenvector's line.</param>
public sealed record AngleRecord(int Position, long Label, double ScoreGradientNorm, double TopKAngle, double MassCenterAngle,
    double EigenvectorAngle, double DominantEigenvalue, double TopKEigenvectorAngle);
