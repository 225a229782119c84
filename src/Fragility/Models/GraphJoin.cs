namespace Fragility.Models;

/// <summary>What a <see cref="GraphStep"/> does with its inputs.</summary>
public enum GraphJoin
{
    /// <summary>Runs its one-input layer.</summary>
    Layer,

    /// <summary>Sums its inputs (a residual connection).</summary>
    Add,

    /// <summary>Concatenates its inputs along channels (axis 1), in order.</summary>
    Concat,
}
