using Fragility.Data;
using TorchSharp;

namespace Fragility.Tests.Cli;

/// <summary>An image converted on the way in is said, in one line per kind, or refused with --strict.</summary>
[Collection("console")]
public sealed class InputConversionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"fragility-inputs-{Guid.NewGuid():N}");

    public InputConversionTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A width x height image: background <paramref name="background"/>, a centred block of 1 - background.</summary>
    private string Image(string name, int channels, int width, int height, float background)
    {
        var v = new float[channels * width * height];
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    bool inside = Math.Abs(y - height / 2) < height / 4 && Math.Abs(x - width / 2) < width / 4;
                    // A reddish object in colour images, so that turning them grey loses something.
                    v[(c * height + y) * width + x] = inside ? (channels == 3 && c > 0 ? 0.2f : 1 - background) : background;
                }
        string path = Path.Combine(_dir, name);
        using var t = torch.tensor(v, new long[] { channels, height, width });
        ImageCodec.SavePng(t, path);
        return path;
    }

    [Fact]
    public void WhiteBackgroundColourPhoto_IsConvertedWithNotes_OrRefusedWhenStrict()
    {
        string photo = Image("photo.png", 3, 100, 80, background: 1f);
        var (code, output, err) = CliHarness.Run("explain", "--input", photo, "--methods", "gradient", "--out", Path.Combine(_dir, "out"));
        Assert.True(code == 0, err);
        Assert.Contains("note: the image converted on the way in: 100x80 colour image: turned grey, resized to 35x28, centre-cropped to 28x28.", output);
        Assert.Contains("note: the image has a background (border mean 1.00) far from the training images' (0.0", output);

        (code, output, err) = CliHarness.Run("explain", "--input", photo, "--methods", "gradient", "--strict", "--out", Path.Combine(_dir, "strict"));
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--strict", err);
        Assert.Contains("grey images of 28x28", err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "strict", "explanations.jsonl")));
    }

    [Fact]
    public void ImageInTheModelsGeometry_GoesInWithoutNotes_EvenWhenStrict()
    {
        string plain = Image("plain.png", 1, 28, 28, background: 0f);
        var (code, output, err) = CliHarness.Run("explain", "--input", plain, "--methods", "gradient", "--strict", "--out", Path.Combine(_dir, "plain"));
        Assert.True(code == 0, err);
        Assert.DoesNotContain("note:", output);
    }
}
