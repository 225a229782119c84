using Fragility.Models;
using Fragility.Models.Import;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// Which <see cref="IPropagationRule"/> each layer gets (zennit's composites): an ordered map from layer type to rule,
/// plus an optional rule for the first weighted layer (Conv2d or Linear) of the network, e.g. LRP's z^B rule, the
/// rule for residual sums of a graph (<see cref="SumEpsilon"/>), and the canonizers that rewrite the layers before
/// any rule applies (BatchNorm folding).
/// </summary>
public sealed class Composite
{
    private readonly (Type Layer, IPropagationRule Rule)[] _layerMap;

    /// <summary>Creates a composite.</summary>
    /// <param name="name">Name for descriptions.</param>
    /// <param name="layerMap">Layer types (matched with inheritance, first match wins) and their rules.</param>
    /// <param name="firstLinearRule">Rule for the first Conv2d/Linear layer, or null to use the layer map there too.</param>
    /// <param name="sumEpsilon">Residual sums: null passes the signal unchanged to every input (DeepLIFT's linear
    /// rule), a value splits it by each input's share of the sum with that stabiliser (LRP's z rule).</param>
    /// <param name="canonizers">Rewrites applied, in order, before any rule (none when null).</param>
    public Composite(string name, IEnumerable<(Type Layer, IPropagationRule Rule)> layerMap, IPropagationRule? firstLinearRule = null,
        double? sumEpsilon = null, IEnumerable<ICanonizer>? canonizers = null)
    {
        Name = name;
        _layerMap = layerMap.ToArray();
        FirstLinearRule = firstLinearRule;
        SumEpsilon = sumEpsilon;
        Canonizers = canonizers?.ToArray() ?? [];
    }

    /// <summary>Name for descriptions.</summary>
    public string Name { get; }

    /// <summary>Rule for the first weighted layer, if it differs.</summary>
    public IPropagationRule? FirstLinearRule { get; }

    /// <summary>How a residual sum z = a + b of a graph splits its signal s: null gives s to both a and b (linear
    /// rule, exact for DeepLIFT's multipliers); a value e gives a s / (z + e sign z) and b s / (z + e sign z)
    /// (the z rule, conserving relevance as e tends to 0).</summary>
    public double? SumEpsilon { get; }

    /// <summary>The rewrites applied before any rule.</summary>
    public IReadOnlyList<ICanonizer> Canonizers { get; }

    /// <summary>The layers rewritten by <see cref="Canonizers"/>; dispose the result after the walk.</summary>
    public CanonicalLayers Canonize(IReadOnlyList<LayerNode> layers)
    {
        var created = new List<nn.Module>();
        try
        {
            foreach (var c in Canonizers) layers = c.Apply(layers, created);
            return new CanonicalLayers(layers, created);
        }
        catch
        {
            foreach (var m in created) m.Dispose();
            throw;
        }
    }

    /// <summary>The rule for <paramref name="layer"/>; throws a <see cref="FragilityException"/> naming the layer when no
    /// rule covers it.</summary>
    public IPropagationRule RuleFor(nn.Module<Tensor, Tensor> layer, string layerName, bool isFirstLinear)
    {
        if (isFirstLinear && FirstLinearRule is not null) return FirstLinearRule;
        foreach (var (type, rule) in _layerMap)
            if (type.IsInstanceOfType(layer)) return rule;
        throw LinearMaps.Unsupported(layer, layerName);
    }

    /// <summary>DeepLIFT with the rescale rule (Shrikumar et al. 2017): linear rule on affine layers, pools, flatten,
    /// dropout, routing and constant-affine ops and residual sums; rescale on activations (the piecewise-linear ONNX
    /// ones too); the given max-pool mode; BatchNorm folded into the convolution before (which changes nothing
    /// but rounding, the linear rule being exact on affine maps).</summary>
    public static Composite DeepLiftRescale(MaxPoolMode maxPool = MaxPoolMode.KeepCompleteness) => new(
        $"deeplift(rescale, maxpool={(maxPool == MaxPoolMode.Gradient ? "gradient" : "completeness")})",
        [
            (typeof(SwitchableActivation), RescaleRule.Instance), (typeof(ReLU), RescaleRule.Instance),
            (typeof(MaxPool2d), new DeepLiftMaxPoolRule(maxPool)),
            (typeof(Conv2d), LinearRule.Instance), (typeof(Linear), LinearRule.Instance),
            (typeof(ChannelNormalisation), LinearRule.Instance), (typeof(BatchNorm2d), LinearRule.Instance),
            (typeof(AvgPool2d), LinearRule.Instance), (typeof(AdaptiveAvgPool2d), LinearRule.Instance),
            (typeof(Flatten), LinearRule.Instance), (typeof(Dropout), LinearRule.Instance),
            (typeof(OnnxPiecewiseLinear), RescaleRule.Instance),
            (typeof(RoutingOp), LinearRule.Instance), (typeof(AffineOp), LinearRule.Instance),
        ], canonizers: [BatchNormCanonizer.Instance]);

    /// <summary>Deep Taylor decomposition (Montavon et al. 2017): z^B on the first weighted layer with the given input
    /// box, z+ on every later Conv2d/Linear (the output layer included), winner-take-all max-pooling, the proportional
    /// z rule on average pools; activations, normalisations (input normalisation, BatchNorm) and dropout pass relevance
    /// unchanged; residual sums split by the proportional z rule; BatchNorm after a convolution folded into it
    /// first.</summary>
    public static Composite DeepTaylor(IReadOnlyList<double> low, IReadOnlyList<double> high) => new(
        "lrp(zB, z+)",
        [
            (typeof(Conv2d), ZPlusRule.Instance), (typeof(Linear), ZPlusRule.Instance), .. RelevanceCommon(),
        ],
        new ZBoxRule(low, high), ZRuleEpsilon, [BatchNormCanonizer.Instance]);

    /// <summary>Epsilon-LRP (Bach et al. 2015): the epsilon rule on every Conv2d/Linear (the first one included),
    /// otherwise as <see cref="DeepTaylor"/>, with residual sums split by the z rule with the same epsilon.</summary>
    public static Composite Epsilon(double epsilon)
    {
        var rule = new EpsilonRule(epsilon);
        return new(rule.Name, [(typeof(Conv2d), rule), (typeof(Linear), rule), .. RelevanceCommon()], null, epsilon, [BatchNormCanonizer.Instance]);
    }

    /// <summary>Tiny epsilon that turns the epsilon rule into the proportional z rule on average pools.</summary>
    public const double ZRuleEpsilon = 1e-9;

    private static (Type, IPropagationRule)[] RelevanceCommon()
    {
        var zRule = new EpsilonRule(ZRuleEpsilon);
        return
        [
            (typeof(SwitchableActivation), PassThroughRule.Instance), (typeof(ReLU), PassThroughRule.Instance),
            (typeof(ChannelNormalisation), PassThroughRule.Instance), (typeof(BatchNorm2d), PassThroughRule.Instance),
            (typeof(Dropout), PassThroughRule.Instance),
            (typeof(MaxPool2d), WinnerTakeAllRule.Instance),
            (typeof(AvgPool2d), zRule), (typeof(AdaptiveAvgPool2d), zRule),
            (typeof(Flatten), LinearRule.Instance),
            (typeof(OnnxPiecewiseLinear), PassThroughRule.Instance),
            (typeof(RoutingOp), LinearRule.Instance), (typeof(AffineOp), zRule),
        ];
    }
}
