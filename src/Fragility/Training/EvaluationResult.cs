namespace Fragility.Training;

/// <summary>Accuracy of a model on a labelled data set.</summary>
/// <param name="Accuracy">Fraction of images classified correctly, in [0, 1].</param>
/// <param name="Count">Number of images.</param>
/// <param name="PerClassAccuracy">Accuracy per class (NaN for a class with no images).</param>
/// <param name="PerClassCount">Images per class.</param>
public sealed record EvaluationResult(double Accuracy, int Count, double[] PerClassAccuracy, int[] PerClassCount);
