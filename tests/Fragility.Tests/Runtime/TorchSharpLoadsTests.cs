using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Runtime;

/// <summary>Proves TorchSharp's native library loads in the test process (the GLIBCXX fix of the build worked).</summary>
public class TorchSharpLoadsTests
{
    [Fact]
    public void ForwardGradientAndDoubleBackward_MatchAnalyticDerivatives_InTestProcess()
    {
        // f(x) = sum(x^3): f' = 3x^2, d/dx sum(f') = 6x.
        var x = torch.tensor(new double[] { -1.5, 0.25, 2.0 }, requires_grad: true);
        var y = x.pow(3).sum();
        Assert.Equal(-3.375 + 0.015625 + 8.0, y.item<double>(), 12);
        var g = torch.autograd.grad([y], [x], create_graph: true, retain_graph: true)[0];
        Assert.Equal(new[] { 6.75, 0.1875, 12.0 }, g.data<double>().ToArray());
        var h = torch.autograd.grad([g.sum()], [x])[0];
        Assert.Equal(new[] { -9.0, 1.5, 12.0 }, h.data<double>().ToArray());
    }

    [Fact]
    public void ConvolutionForward_RunsNatively()
    {
        using var conv = nn.Conv2d(1, 2, 3);
        using var input = torch.ones(1, 1, 5, 5);
        using var output = conv.forward(input);
        Assert.Equal(new long[] { 1, 2, 3, 3 }, output.shape);
    }
}
