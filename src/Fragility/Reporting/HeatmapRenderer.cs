using Fragility.Metrics;
using SkiaSharp;

namespace Fragility.Reporting;

/// <summary>
/// Renders saliency maps [H, W], images [C, H, W] with values in [0, 1] (C = 1 grey or 3 RGB) and perturbations
/// as PNG bytes. Arrays are flat in C order (row-major, channel-major for images), as stored in a sweep's .npy
/// files. Upscaling is by an integer factor with nearest-neighbour replication, so every input pixel stays a crisp square.
/// </summary>
public static class HeatmapRenderer
{
    /// <summary>Size in pixels that <see cref="AutoScale"/> aims at for the longer side (112).</summary>
    public const int DefaultTargetSize = 112;

    /// <summary>
    /// The smallest integer factor that makes the longer side at least <paramref name="targetSize"/> pixels
    /// (28 → 4, 32 → 4, 224 → 1); 1 when the image is already that large.
    /// </summary>
    public static int AutoScale(int height, int width, int targetSize = DefaultTargetSize)
    {
        int side = Math.Max(1, Math.Max(height, width));
        return Math.Max(1, (targetSize + side - 1) / side);
    }

    /// <summary>Renders a map [H, W] with a colormap (see <see cref="HeatmapOptions"/> for the colour scale).</summary>
    /// <exception cref="ArgumentException">The map does not have <paramref name="height"/> x <paramref name="width"/> values.</exception>
    public static byte[] RenderMap(ReadOnlySpan<float> map, int height, int width, HeatmapOptions? options = null)
    {
        options ??= new HeatmapOptions();
        CheckLength(map.Length, 1, height, width, nameof(map));
        var (lo, hi) = ColourRange(map, options);
        var rgba = new byte[height * width * 4];
        for (int p = 0; p < height * width; p++)
            Put(rgba, p, options.Colormap.Map(Normalise(map[p], lo, hi)));
        return EncodeMarked(rgba, map, height, width, options);
    }

    /// <summary>
    /// Renders a map [H, W] over the grey version of an image [C, H, W]: each pixel blends the image's luminance with
    /// the map colour, with opacity <see cref="HeatmapOptions.OverlayAlpha"/> times the pixel's position on the colour scale.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes do not match, or C is not 1 or 3.</exception>
    public static byte[] RenderOverlay(ReadOnlySpan<float> image, int channels, int height, int width, ReadOnlySpan<float> map, HeatmapOptions? options = null)
    {
        options ??= new HeatmapOptions();
        CheckLength(image.Length, channels, height, width, nameof(image));
        CheckLength(map.Length, 1, height, width, nameof(map));
        var (lo, hi) = ColourRange(map, options);
        int n = height * width;
        var rgba = new byte[n * 4];
        for (int p = 0; p < n; p++)
        {
            double grey = channels == 1
                ? Clamp01(image[p])
                : 0.299 * Clamp01(image[p]) + 0.587 * Clamp01(image[n + p]) + 0.114 * Clamp01(image[2 * n + p]);
            double t = Normalise(map[p], lo, hi);
            double a = Math.Clamp(options.OverlayAlpha, 0, 1) * t;
            var c = options.Colormap.Map(t);
            rgba[p * 4] = Blend(grey, c.Red, a);
            rgba[p * 4 + 1] = Blend(grey, c.Green, a);
            rgba[p * 4 + 2] = Blend(grey, c.Blue, a);
            rgba[p * 4 + 3] = 255;
        }
        return EncodeMarked(rgba, map, height, width, options);
    }

    /// <summary>
    /// The top of one colour scale shared by several maps of one input (e.g. before and after an attack): the largest of
    /// their <paramref name="clipPercentile"/>-th percentiles, so that equal values get equal colours in all of them and
    /// a map that grew looks brighter. Pass it as <see cref="HeatmapOptions.Max"/> (with <see cref="HeatmapOptions.Min"/> 0).
    /// </summary>
    public static double SharedMax(IEnumerable<float[]> maps, double clipPercentile = 100)
    {
        ArgumentNullException.ThrowIfNull(maps);
        double max = 0;
        foreach (var map in maps)
            max = Math.Max(max, ColourRange(map, new HeatmapOptions { Min = 0, ClipPercentile = clipPercentile }).Hi);
        return max > 0 ? max : 1;
    }

    /// <summary>
    /// Renders an image [C, H, W] with values in [0, 1] (clamped) as grey (C = 1) or RGB (C = 3), upscaled by
    /// <c>scale</c> (0 = <see cref="AutoScale"/>, 1 = own size, the default).
    /// </summary>
    /// <exception cref="ArgumentException">Sizes do not match, or C is not 1 or 3.</exception>
    public static byte[] RenderImage(ReadOnlySpan<float> image, int channels, int height, int width, int scale = 1)
    {
        CheckLength(image.Length, channels, height, width, nameof(image));
        int n = height * width;
        var rgba = new byte[n * 4];
        for (int p = 0; p < n; p++)
        {
            for (int ch = 0; ch < 3; ch++)
                rgba[p * 4 + ch] = ToByte(image[(channels == 1 ? 0 : ch) * n + p]);
            rgba[p * 4 + 3] = 255;
        }
        return Encode(rgba, height, width, ResolveScale(scale, height, width));
    }

    /// <summary>
    /// Renders the perturbation δ = perturbed − clean amplified to the full colour range: δ is divided by its largest
    /// absolute value (<see cref="MaxAbsDifference"/>) so that 0 is neutral grey and ±max are the ends. Grey images use
    /// the diverging <paramref name="colormap"/> (default <see cref="Colormaps.CoolWarm"/>: blue = darker,
    /// red = brighter); RGB images show each channel as 0.5 + δ_c / (2 max), so grey = unchanged. A zero perturbation is uniform grey.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes do not match, or C is not 1 or 3.</exception>
    public static byte[] RenderPerturbation(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed, int channels, int height, int width,
        int scale = 1, Colormap? colormap = null)
    {
        CheckLength(clean.Length, channels, height, width, nameof(clean));
        CheckLength(perturbed.Length, channels, height, width, nameof(perturbed));
        colormap ??= Colormaps.CoolWarm;
        double max = MaxAbsDifference(clean, perturbed);
        int n = height * width;
        var rgba = new byte[n * 4];
        for (int p = 0; p < n; p++)
        {
            if (channels == 1) Put(rgba, p, colormap.Map(Signed(clean[p], perturbed[p], max)));
            else
            {
                for (int ch = 0; ch < 3; ch++) rgba[p * 4 + ch] = ToByte(Signed(clean[ch * n + p], perturbed[ch * n + p], max));
                rgba[p * 4 + 3] = 255;
            }
        }
        return Encode(rgba, height, width, ResolveScale(scale, height, width));
    }

    /// <summary>
    /// The marks the explain and attack commands draw on every map: the top-k pixels outlined (k of the top-k
    /// intersection, <see cref="TopKIntersection.DefaultK"/> when <paramref name="k"/> is null) and the centre of mass,
    /// upscaled with <see cref="AutoScale"/> so that both are visible, colour scale topped at the 99.5th percentile.
    /// </summary>
    public static HeatmapOptions MarkedOptions(int height, int width, int? k = null) => new()
    {
        Scale = AutoScale(height, width),
        TopK = k ?? TopKIntersection.DefaultK(height, width),
        MarkCenterOfMass = true,
        // A few extreme pixels would otherwise leave the rest of a gradient map black (as in the report).
        ClipPercentile = 99.5,
    };

    /// <summary>
    /// One before/after picture of an attacked input, left to right: clean image, its map, perturbed image, its map and
    /// (if <paramref name="withDifference"/>) the perturbation amplified (<see cref="RenderPerturbation"/>), each under
    /// a caption. Both maps share one colour scale (<see cref="SharedMax"/>) and carry the marks of
    /// <paramref name="options"/> (default <see cref="MarkedOptions"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Sizes do not match, or C is not 1 or 3.</exception>
    public static byte[] RenderBeforeAfter(float[] clean, float[] perturbed, int channels, int height, int width,
        float[] cleanMap, float[] perturbedMap, HeatmapOptions? options = null, bool withDifference = true)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(perturbed);
        ArgumentNullException.ThrowIfNull(cleanMap);
        ArgumentNullException.ThrowIfNull(perturbedMap);
        options ??= MarkedOptions(height, width);
        options = options with { Min = options.Min ?? 0, Max = options.Max ?? SharedMax([cleanMap, perturbedMap], options.ClipPercentile) };
        int scale = ResolveScale(options.Scale, height, width);
        double amp = MaxAbsDifference(clean, perturbed);
        var panels = new List<(string Caption, byte[] Png)>
        {
            ("clean", RenderImage(clean, channels, height, width, scale)),
            ("map (clean)", RenderMap(cleanMap, height, width, options)),
            ("perturbed", RenderImage(perturbed, channels, height, width, scale)),
            ("map (perturbed)", RenderMap(perturbedMap, height, width, options)),
        };
        if (withDifference)
            panels.Add(($"difference ±{(amp * 255).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)}/255",
                RenderPerturbation(clean, perturbed, channels, height, width, scale)));

        return RenderStrip(panels);
    }

    /// <summary>Pictures side by side, each under its caption, on white (the layout of <see cref="RenderBeforeAfter"/>).
    /// Each column is as wide as its picture or its caption; pictures are drawn at whole pixels, never resampled.</summary>
    /// <exception cref="ArgumentException">No panels.</exception>
    public static byte[] RenderStrip(IReadOnlyList<(string Caption, byte[] Png)> panels)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0) throw new ArgumentException("no panels to draw", nameof(panels));
        var bitmaps = panels.Select(p => SKBitmap.Decode(p.Png) ?? throw new ArgumentException($"panel '{p.Caption}' is not an image", nameof(panels))).ToList();
        try
        {
            const int gap = 8, caption = 20;
            int pw = bitmaps.Max(b => b.Width), ph = bitmaps.Max(b => b.Height);
            using var typeface = SKTypeface.FromFamilyName(PlotFonts.Sans) ?? SKTypeface.Default;
            using var font = new SKFont(typeface, 13);
            int cw = Math.Max(pw, (int)Math.Ceiling(panels.Max(p => font.MeasureText(p.Caption))) + gap);
            int totalW = panels.Count * cw + (panels.Count + 1) * gap, totalH = ph + caption + 2 * gap;
            using var surface = SKSurface.Create(new SKImageInfo(totalW, totalH, SKColorType.Rgba8888, SKAlphaType.Premul));
            var canvas = surface.Canvas;
            canvas.Clear(SKColors.White);
            using var text = new SKPaint { Color = new SKColor(0x22, 0x22, 0x22), IsAntialias = true };
            for (int i = 0; i < panels.Count; i++)
            {
                float x = gap + i * (cw + gap);
                canvas.DrawText(panels[i].Caption, x + cw / 2f, gap + 13, SKTextAlign.Center, font, text);
                canvas.DrawBitmap(bitmaps[i], x + (cw - bitmaps[i].Width) / 2, gap + caption);
            }
            using var image = surface.Snapshot();
            using var data = image.Encode(SKEncodedImageFormat.Png, 100);
            return data.ToArray();
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }

    /// <summary>
    /// Writes the picture of one explanation: <paramref name="path"/> gets the map over the image
    /// (<see cref="RenderOverlay"/>) with the marks of <see cref="MarkedOptions"/>. Used by <c>explain</c>.
    /// </summary>
    /// <exception cref="FragilityException">The file cannot be written.</exception>
    public static void SaveExplanation(string path, float[] image, int channels, int height, int width, float[] map, int? k = null) =>
        Save(RenderOverlay(image, channels, height, width, map, MarkedOptions(height, width, k)), path);

    /// <summary>
    /// Writes the pictures of one attacked input, with one colour scale for both maps (<see cref="SharedMax"/>):
    /// <c>{stem}_map.png</c> and <c>{stem}_advmap.png</c> (each map over its image, marked as in
    /// <see cref="SaveExplanation"/>) and <c>{stem}_compare.png</c> (<see cref="RenderBeforeAfter"/>). Used by <c>attack</c>.
    /// </summary>
    /// <exception cref="FragilityException">A file cannot be written.</exception>
    public static void SaveBeforeAfter(string stem, float[] clean, float[] perturbed, int channels, int height, int width,
        float[] cleanMap, float[] perturbedMap, int? k = null)
    {
        var options = MarkedOptions(height, width, k);
        options = options with { Min = 0, Max = SharedMax([cleanMap, perturbedMap], options.ClipPercentile) };
        Save(RenderOverlay(clean, channels, height, width, cleanMap, options), stem + "_map.png");
        Save(RenderOverlay(perturbed, channels, height, width, perturbedMap, options), stem + "_advmap.png");
        Save(RenderBeforeAfter(clean, perturbed, channels, height, width, cleanMap, perturbedMap, options), stem + "_compare.png");
    }

    /// <summary>Largest |perturbed − clean| over all finite entries (in the images' own units, e.g. [0, 1] pixel scale).</summary>
    public static double MaxAbsDifference(ReadOnlySpan<float> clean, ReadOnlySpan<float> perturbed)
    {
        if (clean.Length != perturbed.Length) throw new ArgumentException($"clean has {clean.Length} values, perturbed {perturbed.Length}");
        double max = 0;
        for (int i = 0; i < clean.Length; i++)
        {
            double d = Math.Abs((double)perturbed[i] - clean[i]);
            if (double.IsFinite(d) && d > max) max = d;
        }
        return max;
    }

    /// <summary>Writes PNG bytes to a file, creating its folder.</summary>
    /// <exception cref="FragilityException">The file cannot be written.</exception>
    public static void Save(byte[] png, string path)
    {
        ArgumentNullException.ThrowIfNull(png);
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            File.WriteAllBytes(path, png);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FragilityException($"Cannot write image '{path}': {e.Message}. Choose a writable output folder.", e);
        }
    }

    /// <summary>Encodes straight (unpremultiplied) RGBA pixels [H, W, 4] as PNG, replicating each pixel scale x scale times.</summary>
    internal static byte[] Encode(byte[] rgba, int height, int width, int scale)
    {
        var pixels = Upscale(rgba, height, width, scale);
        return EncodeRgba(pixels, height * scale, width * scale);
    }

    /// <summary>Upscales, draws the top-k outline and the centre-of-mass cross that <paramref name="options"/> ask for, and encodes.</summary>
    private static byte[] EncodeMarked(byte[] rgba, ReadOnlySpan<float> map, int height, int width, HeatmapOptions options)
    {
        int scale = ResolveScale(options.Scale, height, width);
        var pixels = Upscale(rgba, height, width, scale);
        int w = width * scale, h = height * scale;
        if (options.TopK > 0)
        {
            var top = new bool[height * width];
            foreach (int i in TopKIntersection.TopIndices(Sanitised(map), Math.Min(options.TopK, map.Length))) top[i] = true;
            var colour = SKColor.Parse(options.TopKColour);
            bool Outside(int r, int c) => r < 0 || c < 0 || r >= height || c >= width || !top[r * width + c];
            for (int r = 0; r < height; r++)
                for (int c = 0; c < width; c++)
                {
                    if (!top[r * width + c]) continue;
                    // Each edge of the upscaled pixel that borders a pixel outside the top k is drawn: the outline of the region.
                    for (int d = 0; d < scale; d++)
                    {
                        if (Outside(r - 1, c)) PutAt(pixels, w, r * scale, c * scale + d, colour);
                        if (Outside(r + 1, c)) PutAt(pixels, w, r * scale + scale - 1, c * scale + d, colour);
                        if (Outside(r, c - 1)) PutAt(pixels, w, r * scale + d, c * scale, colour);
                        if (Outside(r, c + 1)) PutAt(pixels, w, r * scale + d, c * scale + scale - 1, colour);
                    }
                }
        }
        if (options.MarkCenterOfMass)
        {
            var (row, col) = CenterOfMassShift.CenterOfMass(Sanitised(map), height, width);
            // Pixel (r, c) covers [r, r + 1) x [c, c + 1) upscaled; its centre is at r + 0.5.
            int cy = (int)Math.Floor((row + 0.5) * scale), cx = (int)Math.Floor((col + 0.5) * scale);
            int arm = Math.Max(2, (int)Math.Round(1.5 * scale));
            var colour = SKColor.Parse(options.CenterColour);
            var edge = new SKColor(0, 0, 0);
            // A dark rim first, so that the cross stays visible on bright pixels.
            for (int d = -arm - 1; d <= arm + 1; d++)
                for (int t = -1; t <= 1; t++)
                {
                    PutAt(pixels, w, cy + d, cx + t, edge, h);
                    PutAt(pixels, w, cy + t, cx + d, edge, h);
                }
            for (int d = -arm; d <= arm; d++)
            {
                PutAt(pixels, w, cy + d, cx, colour, h);
                PutAt(pixels, w, cy, cx + d, colour, h);
            }
        }
        return EncodeRgba(pixels, h, w);
    }

    /// <summary>The map with non-finite and negative values set to 0 (the marks need a non-negative map).</summary>
    private static float[] Sanitised(ReadOnlySpan<float> map)
    {
        var m = map.ToArray();
        for (int i = 0; i < m.Length; i++) if (!(m[i] > 0)) m[i] = 0;
        return m;
    }

    private static void PutAt(byte[] pixels, int w, int y, int x, SKColor c, int h = int.MaxValue)
    {
        if (y < 0 || x < 0 || x >= w || y >= h || (y * w + x) * 4 >= pixels.Length) return;
        Put(pixels, y * w + x, c);
    }

    private static byte[] Upscale(byte[] rgba, int height, int width, int scale)
    {
        if (scale <= 1) return (byte[])rgba.Clone();
        int h = height * scale, w = width * scale;
        var pixels = new byte[h * w * 4];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                Buffer.BlockCopy(rgba, ((y / scale) * width + x / scale) * 4, pixels, (y * w + x) * 4, 4);
        return pixels;
    }

    private static byte[] EncodeRgba(byte[] pixels, int h, int w)
    {
        // Every renderer writes opaque pixels: encode grey images as 8-bit grey and the rest as RGB without alpha,
        // which makes the embedded PNGs of a report about half as large.
        bool grey = true;
        for (int i = 0; i < pixels.Length && grey; i += 4) grey = pixels[i] == pixels[i + 1] && pixels[i] == pixels[i + 2];
        SKImage image;
        if (grey)
        {
            var g = new byte[h * w];
            for (int i = 0; i < g.Length; i++) g[i] = pixels[i * 4];
            image = SKImage.FromPixelCopy(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque), g);
        }
        else image = SKImage.FromPixelCopy(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque), pixels);
        using (image)
        using (var data = image.Encode(SKEncodedImageFormat.Png, 100))
        return data.ToArray();
    }

    private static (double Lo, double Hi) ColourRange(ReadOnlySpan<float> map, HeatmapOptions options)
    {
        double lo = 0;
        var finite = new List<double>(map.Length);
        foreach (float v in map)
        {
            if (!float.IsFinite(v)) continue;
            finite.Add(v);
            if (v < lo) lo = v;
        }
        lo = options.Min ?? lo;
        double hi;
        if (options.Max is double m) hi = m;
        else if (finite.Count == 0) hi = lo + 1;
        else if (options.ClipPercentile >= 100) hi = finite.Max();
        else hi = MathNet.Numerics.Statistics.Statistics.Quantile(finite, Math.Clamp(options.ClipPercentile, 0, 100) / 100);
        if (!(hi > lo)) hi = lo + 1; // a constant map: everything at the bottom of the scale
        return (lo, hi);
    }

    private static double Normalise(float v, double lo, double hi) => float.IsFinite(v) ? (v - lo) / (hi - lo) : 0;

    private static int ResolveScale(int scale, int height, int width)
    {
        if (scale < 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be 0 (automatic) or a positive factor");
        return scale == 0 ? AutoScale(height, width) : scale;
    }

    private static void CheckLength(int length, int channels, int height, int width, string name)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"images must have 1 or 3 channels, got {channels}", name);
        if (height <= 0 || width <= 0) throw new ArgumentException($"height and width must be positive, got {height}x{width}", name);
        if (length != (long)channels * height * width)
            throw new ArgumentException($"{name} has {length} values, expected {channels}x{height}x{width} = {channels * height * width}", name);
    }

    private static void Put(byte[] rgba, int p, SKColor c)
    {
        rgba[p * 4] = c.Red;
        rgba[p * 4 + 1] = c.Green;
        rgba[p * 4 + 2] = c.Blue;
        rgba[p * 4 + 3] = 255;
    }

    private static double Signed(float clean, float perturbed, double max) => max > 0 ? (perturbed - clean) / (2 * max) + 0.5 : 0.5;

    private static double Clamp01(float v) => float.IsFinite(v) ? Math.Clamp(v, 0f, 1f) : 0;

    private static byte ToByte(double v) => (byte)Math.Round(255 * (double.IsFinite(v) ? Math.Clamp(v, 0, 1) : 0));

    private static byte Blend(double grey, byte colour, double alpha) => (byte)Math.Round((1 - alpha) * 255 * grey + alpha * colour);
}
