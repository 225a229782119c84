namespace Fragility.Attacks;

/// <summary>An attack on explanations: perturbs clean inputs within an L-infinity ball, keeping the label, so that
/// their saliency maps change (docs/method.md §4).</summary>
public interface IMapAttack
{
    /// <summary>Attack name (see <see cref="AttackNames"/>).</summary>
    string Name { get; }

    /// <summary>The settings (epsilon, step, iterations...) the attack runs with.</summary>
    AttackSettings Settings { get; }

    /// <summary>Attacks every input of <paramref name="clean"/>.</summary>
    /// <param name="clean">Clean inputs, labels and maps (see <see cref="CleanReference.Compute"/>), made with the same
    /// model and evaluation method as the attack.</param>
    /// <param name="imageIndices">Each input's index in its data set, which seeds its random draws (so results do not
    /// depend on batching or order); default 0..N-1.</param>
    /// <param name="cancellation">Stops between iterations with <see cref="OperationCanceledException"/>.</param>
    AttackBatchResult Run(CleanReference clean, IReadOnlyList<int>? imageIndices = null, CancellationToken cancellation = default);

    /// <summary>Attacks every input of <paramref name="clean"/> as <see cref="Run(CleanReference, IReadOnlyList{int}?, CancellationToken)"/>
    /// does, and hands every iterate to <paramref name="observer"/> after evaluating it. The result does not depend on
    /// the observer (null gives exactly the run without one).</summary>
    /// <param name="clean">Clean inputs, labels and maps.</param>
    /// <param name="imageIndices">Each input's index in its data set; default 0..N-1.</param>
    /// <param name="observer">Receives each iterate (see <see cref="AttackIterate"/> for the tensors' lifetime), or null.</param>
    /// <param name="cancellation">Stops between iterations with <see cref="OperationCanceledException"/>.</param>
    AttackBatchResult Run(CleanReference clean, IReadOnlyList<int>? imageIndices, Action<AttackIterate>? observer, CancellationToken cancellation = default);
}
