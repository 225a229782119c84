namespace Fragility.Data;

/// <summary>
/// The contents of an IDX image file (the MNIST format): <see cref="Count"/> images of
/// <see cref="Rows"/> x <see cref="Columns"/> unsigned bytes, stored row by row, image after image.
/// </summary>
/// <param name="Count">Number of images read (at most the number in the file).</param>
/// <param name="Rows">Height of each image in pixels.</param>
/// <param name="Columns">Width of each image in pixels.</param>
/// <param name="Pixels">Count x Rows x Columns pixel values, 0 (background) to 255.</param>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels);
