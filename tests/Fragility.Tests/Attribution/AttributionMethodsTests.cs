using Fragility.Attribution;
using Fragility.Attribution.Propagation;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Attribution;

public class AttributionMethodsTests
{
    [Theory]
    [InlineData("gradient", typeof(SimpleGradient), true)]
    [InlineData("grad_x_input", typeof(GradientTimesInput), true)]
    [InlineData("ig", typeof(IntegratedGradients), true)]
    [InlineData("deeplift", typeof(DeepLift), false)]
    [InlineData("deeplift_gradmax", typeof(DeepLift), false)]
    [InlineData("lrp", typeof(DeepTaylor), false)]
    [InlineData("lrp_epsilon", typeof(LrpEpsilon), false)]
    [InlineData("smoothgrad", typeof(SmoothGrad), true)]
    public void Create_MakesTheNamedMethod(string name, Type type, bool needsSmoothTwin)
    {
        var method = AttributionMethods.Create(name);
        Assert.IsType(type, method);
        Assert.Equal(name, method.Name);
        Assert.Equal(needsSmoothTwin, method.NeedsSmoothTwinForAttack);
        Assert.Contains(name, AttributionMethods.Names);
    }

    [Fact]
    public void Create_PassesTheOptions()
    {
        using var meanImage = torch.full(1, 12, 12, 0.5, dtype: ScalarType.Float64);
        using var reference = new MeanImageReference(meanImage);
        var options = new AttributionOptions
        {
            Reference = reference, IgSteps = 12, IgRule = IntegrationRule.Trapezoid, SmoothGradSamples = 7,
            SmoothGradSigma255 = 20, SmoothGradSquared = true, Seed = 3, InternalBatchSize = 5, LrpEpsilon = 0.5,
        };
        var ig = Assert.IsType<IntegratedGradients>(AttributionMethods.Create("IG", options));
        Assert.Equal("ig(trapezoid, M=12, reference=mean)", ig.Description);
        Assert.Equal(5, ig.InternalBatchSize);
        var smooth = Assert.IsType<SmoothGrad>(AttributionMethods.Create("smoothgrad", options));
        Assert.Equal((7, 20.0, true, 3L), (smooth.Samples, smooth.Sigma255, smooth.Squared, smooth.Seed));
        Assert.IsType<SimpleGradient>(smooth.Inner);
        Assert.Equal(MaxPoolMode.Gradient, Assert.IsType<DeepLift>(AttributionMethods.Create("deeplift_gradmax", options)).MaxPoolMode);
        Assert.Same(reference, Assert.IsType<DeepLift>(AttributionMethods.Create("deeplift", options)).Reference);
        Assert.Equal("lrp_epsilon(0.5)", AttributionMethods.Create("lrp_epsilon", options).Description);
    }

    [Fact]
    public void Create_RejectsUnknownNames_ListingTheValidOnes()
    {
        var e = Assert.Throws<FragilityException>(() => AttributionMethods.Create("gradcam"));
        Assert.Contains("gradcam", e.Message);
        foreach (var name in AttributionMethods.Names) Assert.Contains(name, e.Message);
    }

    [Fact]
    public void SaliencyMaps_AreAbsoluteChannelSumsNormalisedToOne()
    {
        using var a = torch.tensor(new double[] { 1, -2, 0, 0, 3, 0, 0, -4 }).reshape(1, 2, 2, 2);
        using var s = SaliencyMaps.FromAttribution(a);
        // Pixel sums of |a| over the two channels: (1+3, 2+0, 0+0, 0+4) = (4, 2, 0, 4), total 10.
        Assert.Equal(new[] { 0.4, 0.2, 0.0, 0.4 }, s.flatten().data<double>().ToArray());
        using var zero = torch.zeros(1, 1, 2, 2);
        using var z = SaliencyMaps.FromAttribution(zero);
        Assert.Equal(0f, z.abs().sum().item<float>());
    }
}
