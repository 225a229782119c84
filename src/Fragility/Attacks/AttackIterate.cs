using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>
/// One iterate of an attack loop as its tracker evaluated it on the ORIGINAL ReLU network (steps 2-3 of Algorithm 1),
/// handed to the observer of <see cref="IMapAttack.Run(CleanReference, IReadOnlyList{int}?, Action{AttackIterate}?, CancellationToken)"/>
/// so that a caller (e.g. <c>fragility serve</c>) can show the attack while it runs.
/// </summary>
/// <remarks>The tensors belong to the attack and are valid only during the observer's call: copy what you keep
/// (e.g. <c>.cpu().data&lt;float&gt;().ToArray()</c>). The observer runs on the attack's thread between two
/// iterations; it must not use the model.</remarks>
/// <param name="Step">1-based index t of the iterate x_t (1..P; 1 for the single random draw).</param>
/// <param name="Iterate">The iterate x_t [N, C, H, W], pixel scale [0, 1].</param>
/// <param name="Maps">The maps [N, H, W] that scored the iterate: the evaluation method's, or the criterion
/// method's when the attack has one (see <see cref="CriterionQuadrature"/>).</param>
/// <param name="Labels">Predicted label of each input's iterate.</param>
/// <param name="Confidence">Softmax confidence of those labels, in [0, 1].</param>
/// <param name="Criterion">The attack criterion of each iterate's map against the clean map.</param>
/// <param name="Admissible">True where the iterate kept the clean label (only those can be returned).</param>
public sealed record AttackIterate(
    int Step,
    Tensor Iterate,
    Tensor Maps,
    IReadOnlyList<long> Labels,
    IReadOnlyList<float> Confidence,
    IReadOnlyList<double> Criterion,
    IReadOnlyList<bool> Admissible);
