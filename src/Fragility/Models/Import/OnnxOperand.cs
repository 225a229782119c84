using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>
/// The fixed operands of an ONNX node (those that are not computed from the input): weights (float initializers)
/// become registered Parameters of the owning module, so they are saved in the state_dict and follow
/// <c>module.to(dtype)</c>; constants (Constant nodes, integer initializers) stay plain tensors that travel in the
/// stored graph and are cast to the input's dtype when used.
/// </summary>
internal sealed class OnnxOperands
{
    private readonly string?[] _parameterNames;
    private readonly Tensor?[] _constants;
    private readonly Dictionary<(int, ScalarType), Tensor> _cast = [];

    /// <summary>Registers the weights of <paramref name="operands"/> on <paramref name="owner"/>.</summary>
    public OnnxOperands(nn.Module owner, IReadOnlyList<OnnxStatic> operands)
    {
        _parameterNames = new string?[operands.Count];
        _constants = new Tensor?[operands.Count];
        var used = new HashSet<string>();
        for (int i = 0; i < operands.Count; i++)
        {
            var s = operands[i];
            if (s.IsWeight)
            {
                string name = OnnxNames.Unique(OnnxNames.Sanitize(s.Name, $"w{i}"), used);
                // Weights are float32, like those of the standard layers, whatever the file stored.
                owner.register_parameter(name, new Parameter(s.Value.to(ScalarType.Float32).clone()));
                _parameterNames[i] = name;
            }
            else _constants[i] = s.Value.clone().DetachFromDisposeScope();
        }
    }

    /// <summary>Operand <paramref name="i"/>, in the dtype of <paramref name="like"/> when both are floating point.</summary>
    public Tensor Get(nn.Module owner, int i, Tensor like)
    {
        if (_parameterNames[i] is { } name) return owner.get_parameter(name) ?? throw new InvalidOperationException($"parameter {name} vanished");
        var c = _constants[i]!;
        if (!c.is_floating_point() || !like.is_floating_point() || c.dtype == like.dtype) return c;
        // Cached outside any dispose scope: the constant must outlive the caller's scope.
        if (!_cast.TryGetValue((i, like.dtype), out var cast)) _cast[(i, like.dtype)] = cast = c.to(like.dtype).DetachFromDisposeScope();
        return cast;
    }

    /// <summary>Disposes the constants.</summary>
    public void Dispose()
    {
        foreach (var c in _constants) c?.Dispose();
        foreach (var c in _cast.Values) c.Dispose();
    }
}

/// <summary>A fixed operand: its value, whether it is a weight (a float initializer) and its ONNX name.</summary>
internal sealed record OnnxStatic(Tensor Value, bool IsWeight, string Name);

/// <summary>
/// An ONNX node with one computed input and, optionally, fixed operands, evaluated with TorchSharp's functional
/// ops (differentiable to any order). Used where no standard layer module expresses the node exactly.
/// </summary>
internal sealed class OnnxUnaryOp : nn.Module<Tensor, Tensor>
{
    private readonly OnnxOperands _operands;
    private readonly Func<Tensor, Func<int, Tensor>, Tensor> _compute;

    /// <summary>Creates the op; <paramref name="compute"/> gets the input and an accessor of the fixed operands;
    /// <paramref name="linearity"/> says whether it is affine in the input.</summary>
    public OnnxUnaryOp(string name, string opType, IReadOnlyList<OnnxStatic> operands, Func<Tensor, Func<int, Tensor>, Tensor> compute,
        OnnxLinearity linearity = OnnxLinearity.None) : base(name)
    {
        OpType = opType;
        Linearity = linearity;
        _compute = compute;
        _operands = new OnnxOperands(this, operands);
    }

    /// <summary>The ONNX operator type.</summary>
    public string OpType { get; }

    /// <summary>Whether the op is affine in its input (and how), for the layer-wise methods.</summary>
    public OnnxLinearity Linearity { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => _compute(input, i => _operands.Get(this, i, input));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _operands.Dispose();
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override string ToString() => $"OnnxUnaryOp({OpType})";
}

/// <summary>An ONNX node with several computed inputs (Concat, Add, Mul, MatMul, Gemm), evaluated functionally.</summary>
internal sealed class OnnxMultiOp : nn.Module<Tensor[], Tensor>
{
    private readonly OnnxOperands _operands;
    private readonly Func<Tensor[], Func<int, Tensor>, Tensor> _compute;

    /// <summary>Creates the op; <paramref name="compute"/> gets the computed inputs and an accessor of the fixed operands.</summary>
    public OnnxMultiOp(string name, string opType, IReadOnlyList<OnnxStatic> operands, Func<Tensor[], Func<int, Tensor>, Tensor> compute) : base(name)
    {
        OpType = opType;
        _compute = compute;
        _operands = new OnnxOperands(this, operands);
    }

    /// <summary>The ONNX operator type.</summary>
    public string OpType { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor[] inputs) => _compute(inputs, i => _operands.Get(this, i, inputs[0]));

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _operands.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Naming helpers: ONNX names become TorchSharp module and parameter names (no dots, unique).</summary>
internal static class OnnxNames
{
    /// <summary>Letters, digits and underscores only; <paramref name="fallback"/> when nothing is left.</summary>
    public static string Sanitize(string name, string fallback)
    {
        var chars = name.Trim('/', '.', ' ').Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray();
        string s = new string(chars).Trim('_');
        while (s.Contains("__", StringComparison.Ordinal)) s = s.Replace("__", "_", StringComparison.Ordinal);
        if (s.Length == 0) return fallback;
        return char.IsAsciiDigit(s[0]) ? "n" + s : s;
    }

    /// <summary><paramref name="name"/>, or name_2, name_3... when taken; records the result in <paramref name="used"/>.</summary>
    public static string Unique(string name, HashSet<string> used)
    {
        string candidate = name;
        for (int k = 2; !used.Add(candidate); k++) candidate = $"{name}_{k}";
        return candidate;
    }
}
