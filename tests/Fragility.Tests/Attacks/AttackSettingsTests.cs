using Fragility.Attacks;
using Fragility.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Attacks;

public class AttackSettingsTests : OneTorchThread
{
    [Theory]
    [InlineData(0.0, 0.5, 10, null, 1.0, "--epsilon", "(0, 255]")]
    [InlineData(256.0, 0.5, 10, null, 1.0, "--epsilon", "(0, 255]")]
    [InlineData(double.NaN, 0.5, 10, null, 1.0, "--epsilon", "(0, 255]")]
    [InlineData(8.0, 0.0, 10, null, 1.0, "--step", "positive")]
    [InlineData(8.0, -1.0, 10, null, 1.0, "--step", "positive")]
    [InlineData(8.0, 0.5, 0, null, 1.0, "--iterations", "at least 1")]
    [InlineData(8.0, 0.5, 10, 0, 1.0, "--k", "[1, 100]")]
    [InlineData(8.0, 0.5, 10, 101, 1.0, "--k", "[1, 100]")]
    [InlineData(8.0, 0.5, 10, null, 0.0, "--beta", "positive")]
    public void InvalidSettings_AreClearErrors_NamingTheOptionAndRange(double eps, double step, int iterations, int? k, double beta, string option, string range)
    {
        var settings = new AttackSettings { Epsilon = eps, Step = step, Iterations = iterations, K = k, Beta = beta };
        var e = Assert.Throws<FragilityException>(() => settings.Validate(10, 10));
        Assert.Contains(option, e.Message);
        Assert.Contains(range, e.Message);
        using var model = AttackTestModels.Tiny(seed: 1);
        Assert.Throws<FragilityException>(() => FragilityAttack.TopK(model, new SimpleGradient(), settings));
    }

    [Fact]
    public void ValidEdgeValues_AreAccepted_AndKDefaultsToTheMetricRule()
    {
        new AttackSettings { Epsilon = 255, Step = 0.01, Iterations = 1, K = 100, Beta = 0.1 }.Validate(10, 10);
        Assert.Equal(78, new AttackSettings().ResolveK(28, 28));
        Assert.Equal(100, new AttackSettings().ResolveK(32, 32));
        Assert.Equal(1000, new AttackSettings().ResolveK(224, 224));
        Assert.Equal(5, new AttackSettings { K = 5 }.ResolveK(28, 28));
        Assert.Equal(8 / 255.0, new AttackSettings { Epsilon = 8 }.EpsilonUnit, 12);
    }

    [Fact]
    public void TargetRegion_Rectangle_IsHalfOpen_AndChecksBounds()
    {
        using var mask = TargetRegion.FromRectangle("1,2,3,4").ToMask(4, 5);
        var v = mask.data<bool>().ToArray();
        var expected = new bool[20];
        foreach (var (r, c) in new[] { (1, 2), (1, 3), (2, 2), (2, 3) }) expected[r * 5 + c] = true;
        Assert.Equal(expected, v);
        Assert.Contains("outside", Assert.Throws<FragilityException>(() => TargetRegion.FromRectangle("0,0,5,5").ToMask(4, 5)).Message);
        Assert.Throws<FragilityException>(() => TargetRegion.FromRectangle("2,2,2,3"));
        Assert.Throws<FragilityException>(() => TargetRegion.FromRectangle("a,b"));
    }

    [Fact]
    public void TargetRegion_MaskImage_MarksNonZeroPixels_AndRejectsWrongSizes()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fragility-mask-{Guid.NewGuid():N}.png");
        try
        {
            using (var bitmap = new SkiaSharp.SKBitmap(3, 2))
            {
                bitmap.Erase(SkiaSharp.SKColors.Black);
                bitmap.SetPixel(2, 0, SkiaSharp.SKColors.White);
                bitmap.SetPixel(0, 1, new SkiaSharp.SKColor(0, 0, 1));
                using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(path, data.ToArray());
            }
            using var mask = TargetRegion.FromMaskImage(path).ToMask(2, 3);
            Assert.Equal(new[] { false, false, true, true, false, false }, mask.data<bool>().ToArray());
            Assert.Contains("3x2", Assert.Throws<FragilityException>(() => TargetRegion.FromMaskImage(path).ToMask(3, 3)).Message);
        }
        finally { File.Delete(path); }
        Assert.Throws<FragilityException>(() => TargetRegion.FromMaskImage(path));
    }

    [Fact]
    public void UnknownAttackOrCriterion_ListsTheValidNames()
    {
        Assert.Contains("mass_center", Assert.Throws<FragilityException>(() => AttackNames.Canonical("bogus")).Message);
        Assert.Equal(AttackNames.MassCenter, AttackNames.Canonical("Mass-Center"));
        Assert.Equal(AttackCriterion.CenterShift, AttackNames.ParseCriterion("center_shift"));
        Assert.Throws<FragilityException>(() => AttackNames.ParseCriterion("l2"));
    }
}
