namespace Fragility.Reporting;

/// <summary>How <see cref="HeatmapRenderer"/> turns a map [H, W] into colours.</summary>
public sealed record HeatmapOptions
{
    /// <summary>Colormap of the map values; default <see cref="Colormaps.Inferno"/> (black = unimportant).</summary>
    public Colormap Colormap { get; init; } = Colormaps.Inferno;

    /// <summary>
    /// Integer nearest-neighbour upscaling factor; 0 (the default) picks one with
    /// <see cref="HeatmapRenderer.AutoScale"/> (28x28 becomes 112x112), 1 keeps the map's own size.
    /// </summary>
    public int Scale { get; init; }

    /// <summary>Value drawn with the lowest colour; null (default) = min(0, smallest finite value of the map).</summary>
    public double? Min { get; init; }

    /// <summary>
    /// Value drawn with the highest colour; null (default) = the <see cref="ClipPercentile"/>-th percentile of the
    /// map's finite values (its maximum at 100). Values above are drawn with the highest colour.
    /// </summary>
    public double? Max { get; init; }

    /// <summary>
    /// Percentile in (0, 100] of the map values used as the top of the colour scale when <see cref="Max"/> is null;
    /// default 100 (the maximum). Saliency maps are often dominated by a few pixels; 99 or 99.5 shows more structure.
    /// </summary>
    public double ClipPercentile { get; init; } = 100;

    /// <summary>Overlay mode only: opacity of the heat colour at the top of the scale, in [0, 1]; default 0.75.
    /// A pixel's opacity is this times its position on the scale, so unimportant pixels show the image.</summary>
    public double OverlayAlpha { get; init; } = 0.75;

    /// <summary>
    /// Outlines the <see cref="TopK"/> largest map values (the pixels the top-k intersection compares) with
    /// <see cref="TopKColour"/>; 0 (the default) draws no outline. The outline is drawn on the edges of each
    /// upscaled pixel that border a pixel outside the top k, so it needs a scale of 3 or more to leave the pixel visible.
    /// </summary>
    public int TopK { get; init; }

    /// <summary>Marks the map's centre of mass (the point the centre-of-mass shift measures) with a cross in <see cref="CenterColour"/>; default false.</summary>
    public bool MarkCenterOfMass { get; init; }

    /// <summary>Colour of the top-k outline, as #RRGGBB; default cyan #00E5FF (absent from the inferno and viridis scales).</summary>
    public string TopKColour { get; init; } = "#00E5FF";

    /// <summary>Colour of the centre-of-mass cross, as #RRGGBB; default green #39FF14.</summary>
    public string CenterColour { get; init; } = "#39FF14";
}
