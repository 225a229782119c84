namespace Fragility.Data;

/// <summary>Which part of a data set to read: the training images or the held-out test images.</summary>
public enum DatasetSplit
{
    /// <summary>The training images (e.g. the 60000 Fashion-MNIST training images).</summary>
    Train,

    /// <summary>The test images (e.g. the 10000 Fashion-MNIST test images); the only split of the shipped sample.</summary>
    Test,
}
