namespace Fragility.Influence;

/// <summary>A test point to explain: its image, its label for the test loss, and its features.</summary>
/// <param name="Id">Display id, e.g. "test:1234" or "sample:7".</param>
/// <param name="DatasetIndex">Index in its data set's test split (file order).</param>
/// <param name="Pixels">The image, pixel scale [0, 1], flattened C x H x W.</param>
/// <param name="Label">Task label used in the test loss.</param>
/// <param name="LabelSource">"true" when the image's own class is one of the task's, else "prediction" (the head's).</param>
/// <param name="Features">phi of the image (ReLU network).</param>
/// <param name="NetworkLabel">The full network's predicted class.</param>
public sealed record InfluenceTestPoint(string Id, int DatasetIndex, float[] Pixels, int Label, string LabelSource, double[] Features, int NetworkLabel);
