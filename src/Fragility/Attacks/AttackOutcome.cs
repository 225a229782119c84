namespace Fragility.Attacks;

/// <summary>
/// What an attack achieved on one input. All values describe the returned image: the best admissible iterate, or
/// the clean input when the attack failed (then <see cref="Criterion"/> is that of the clean map against itself:
/// 1 for top-k and Spearman, 0 for the centre shift).
/// </summary>
/// <param name="Criterion">The criterion of the returned image's map against the clean map (top-k intersection in
/// [0, 1], Spearman in [-1, 1] or centre shift in pixels, see <see cref="AttackSettings.Criterion"/>).</param>
/// <param name="LabelBefore">Predicted label of the clean input (ReLU network).</param>
/// <param name="LabelAfter">Predicted label of the returned image (ReLU network); equal to
/// <paramref name="LabelBefore"/> by construction.</param>
/// <param name="ConfidenceBefore">Softmax confidence of the clean prediction, in [0, 1].</param>
/// <param name="ConfidenceAfter">Softmax confidence of the prediction for the returned image, in [0, 1].</param>
/// <param name="LinfPixels">Realised L-infinity size of the perturbation, in pixel units of the 0-255 scale.</param>
/// <param name="Failed">True when no iterate kept the label (the clean input is returned).</param>
/// <param name="Iterations">Steps that moved the iterate: P, or fewer when it stopped changing (a zero attack
/// gradient); 1 for the single random draw.</param>
public sealed record AttackOutcome(
    double Criterion,
    long LabelBefore,
    long LabelAfter,
    double ConfidenceBefore,
    double ConfidenceAfter,
    double LinfPixels,
    bool Failed,
    int Iterations)
{
    /// <summary>True when the returned image has the clean label.</summary>
    public bool LabelKept => LabelAfter == LabelBefore;
}
