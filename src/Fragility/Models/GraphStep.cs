using static TorchSharp.torch;

namespace Fragility.Models;

/// <summary>One step of a <see cref="GraphNode"/>: a layer on one named value, or a join of several.</summary>
/// <param name="Name">The step's name in the model, for messages.</param>
/// <param name="Inputs">The values it reads, in order (a value may repeat).</param>
/// <param name="Output">The value it defines.</param>
/// <param name="Layer">The layer, for <see cref="GraphJoin.Layer"/>; null for a join.</param>
/// <param name="Join">What the step does.</param>
public sealed record GraphStep(string Name, IReadOnlyList<string> Inputs, string Output, nn.Module<Tensor, Tensor>? Layer, GraphJoin Join);
