using Fragility.Models;
using Fragility.Models.Import;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Import;

/// <summary>The smooth twins of ONNX's piecewise-linear activations (twins.onnx: one node of each), against their
/// formulas written out here in doubles, and the exact operators when switched back.</summary>
public class SmoothTwinTests
{
    private static double Sp(double z, double beta) => Math.Log(1 + Math.Exp(beta * z)) / beta;

    private static double HardSigmoid(double z) => Math.Clamp(z, 0, 1);

    /// <summary>Channel c of twins.onnx at x: the operator (beta null) or its twin.</summary>
    private static double Expected(int channel, double x, double? beta)
    {
        double R(double z) => beta is { } b ? Sp(z, b) : Math.Max(0, z);
        return channel switch
        {
            0 => beta is null ? (x >= 0 ? x : 0.1 * x) : 0.1 * x + 0.9 * R(x),                                  // LeakyRelu(0.1)
            1 => beta is null ? (x >= 0 ? x : 0.25 * x) : 0.25 * x + 0.75 * R(x),                               // PRelu(0.25)
            2 => beta is null ? Math.Clamp(x, 0, 6) : R(x) - R(x - 6),                                          // Clip(0, 6)
            3 => beta is null ? HardSigmoid(0.2 * x + 0.5) : R(0.2 * x + 0.5) - R(0.2 * x + 0.5 - 1),          // HardSigmoid
            4 => x * (beta is null ? HardSigmoid(x / 6 + 0.5) : R(x / 6 + 0.5) - R(x / 6 + 0.5 - 1)),        // HardSwish
            _ => R(x),                                                                                          // Relu
        };
    }

    [Fact]
    public void EachTwin_FollowsItsFormula_AndSwitchingBackGivesTheOperatorExactly()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("zoo/twins.onnx"));
        Assert.Equal(6, net.SmoothTwinChanges.Values.Sum());
        using var model = new Classifier(net, new ModelMetadata
        {
            Architecture = OnnxNetwork.ArchitectureName, Preprocessing = Preprocessing.Plain(6, 1, 16),
            ClassNames = Enumerable.Range(0, 96).Select(i => $"c{i}").ToArray(),
        });
        Assert.Equal(6, model.Activations.Count);
        // Points around every kink: 0, 6, HardSigmoid's -2.5 and 2.5, HardSwish's -3 and 3.
        double[] points = [-8, -3.2, -3, -2.5, -1, -0.3, 0, 0.2, 1, 2.5, 3, 3.1, 5.5, 6, 6.4, 9];
        var values = Enumerable.Range(0, 6).SelectMany(_ => points.Select(p => (float)p)).ToArray();
        using var x = torch.tensor(values).reshape(1, 6, 1, 16);
        foreach (double? beta in new double?[] { null, 0.5, 3.0, 1.0, null })
        {
            using (beta is { } b ? model.UseSoftplus(b) : model.UseRelu())
            {
                using var _ = torch.no_grad();
                using var y = net.forward(x).to(ScalarType.Float64).reshape(6, 16);
                var actual = y.data<double>().ToArray();
                for (int c = 0; c < 6; c++)
                    for (int i = 0; i < 16; i++)
                    {
                        double e = Expected(c, points[i], beta), a = actual[c * 16 + i];
                        // float32 arithmetic against doubles: a few units in the last place.
                        Assert.True(Math.Abs(a - e) <= (beta is null ? 1e-6 : 1e-5) * (1 + Math.Abs(e)),
                            $"channel {c}, x = {points[i]}, beta {beta?.ToString() ?? "off"}: {a} vs {e}");
                    }
            }
        }
    }

    [Fact]
    public void Twins_ApproachTheirOperators_AsBetaGrows()
    {
        using var net = OnnxNetwork.Load(ImportFixtures.Path("zoo/twins.onnx"));
        var activations = net.modules().OfType<SwitchableActivation>().ToList();
        torch.manual_seed(8);
        using var x = torch.randn(4, 6, 1, 16) * 5;
        using var exact = Forward(net, x);
        var gaps = new List<double>();
        foreach (double beta in new[] { 1.0, 10.0, 100.0 })
        {
            foreach (var a in activations) { a.Mode = ActivationMode.Softplus; a.Beta = beta; }
            using var twin = Forward(net, x);
            gaps.Add((twin - exact).abs().max().item<float>());
        }
        // softplus_beta is within log(2)/beta of relu, so each twin's gap shrinks like 1/beta.
        Assert.True(gaps[1] < gaps[0] / 5 && gaps[2] < gaps[1] / 5, $"gaps {string.Join(", ", gaps)}");
    }

    private static Tensor Forward(OnnxNetwork net, Tensor x)
    {
        using var _ = torch.no_grad();
        return net.forward(x);
    }
}
