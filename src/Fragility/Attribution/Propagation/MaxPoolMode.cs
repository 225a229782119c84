namespace Fragility.Attribution.Propagation;

/// <summary>How DeepLIFT passes multipliers through max-pooling (docs/method.md §2.3).</summary>
public enum MaxPoolMode
{
    /// <summary>The default: per window, max(y, y_ref) - y_ref goes back through the input's argmax and
    /// y - max(y, y_ref) through the reference's argmax, each divided by that position's own input difference, so the
    /// parts sum to y - y_ref and completeness holds exactly.</summary>
    KeepCompleteness,

    /// <summary>The multiplier goes back through the input's argmax only (the plain gradient): the original DeepLIFT
    /// code's default and what Captum computes. Breaks completeness where the reference's maximum sits elsewhere.</summary>
    Gradient,
}
