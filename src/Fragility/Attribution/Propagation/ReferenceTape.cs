using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Attribution.Propagation;

/// <summary>
/// The reference's side of a layer-wise pass (the reference itself and its activations, in the order the walk makes
/// them), recorded by the first map made with the tape and replayed by later maps of inputs of the same shape. An
/// attack maps a new iterate of one batch at every step, while a reference that does not depend on the input's values
/// (<see cref="IReference.DependsOnInputValues"/>) goes through the same layers to the same activations each time: with
/// the tape that pass is made once. Replaying gives the very tensors the recording made, so the maps are the same bit
/// for bit. The tape owns what it recorded; an input of another shape records afresh.
/// </summary>
/// <remarks>Valid only while the network and its weights stay as they were when recorded (one attack run).</remarks>
public sealed class ReferenceTape : IDisposable
{
    private readonly List<Tensor> _values = [];
    private long[]? _shape;
    private bool _recording;
    private int _next;

    /// <summary>Starts a pass of <paramref name="input"/>: replays the tape when it was recorded for this shape, else
    /// records it.</summary>
    internal void Begin(Tensor input)
    {
        _next = 0;
        _recording = _shape is null || !_shape.SequenceEqual(input.shape);
        if (!_recording) return;
        Clear();
        _shape = input.shape;
    }

    /// <summary>The next reference tensor of the pass: made by <paramref name="make"/> and kept while recording, the
    /// kept one while replaying.</summary>
    /// <exception cref="InvalidOperationException">The pass asks for more tensors than were recorded.</exception>
    internal Tensor Next(Func<Tensor> make)
    {
        if (_recording)
        {
            // Kept without a graph: the reference does not depend on the input, so no gradient of the input flows
            // through it, and a graph kept across steps would be freed by the first step's backward.
            Tensor made;
            using (torch.no_grad()) made = make().detach().DetachFromDisposeScope();
            _values.Add(made);
            return made;
        }
        if (_next >= _values.Count) throw new InvalidOperationException("the reference's pass took another path than when it was recorded");
        return _values[_next++];
    }

    /// <summary>A reference tensor of a pass: made by <paramref name="make"/> without a tape, else <see cref="Next"/>.</summary>
    internal static Tensor Of(ReferenceTape? tape, Func<Tensor> make) => tape is null ? make() : tape.Next(make);

    /// <summary>How many reference tensors the tape holds (0 before its first pass).</summary>
    public int Count => _values.Count;

    /// <inheritdoc />
    public void Dispose() => Clear();

    private void Clear()
    {
        foreach (var t in _values) t.Dispose();
        _values.Clear();
        _shape = null;
    }
}
