namespace Fragility.Influence;

/// <summary>One image of an <see cref="InfluenceGallery"/> with up to two caption lines.</summary>
/// <param name="Pixels">The image, pixel scale [0, 1], flattened C x H x W (C = 1 grey or 3 RGB).</param>
/// <param name="Channels">1 or 3.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Caption">First caption line (e.g. "#1234 Sneaker").</param>
/// <param name="Value">Second caption line (e.g. "I = -0.0123"), or null.</param>
/// <param name="Tone">Frame and caption colour: 0 neutral (test image), negative helpful (green), positive harmful (red).</param>
public sealed record GalleryTile(float[] Pixels, int Channels, int Height, int Width, string Caption, string? Value = null, int Tone = 0);
