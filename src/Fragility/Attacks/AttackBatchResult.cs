using static TorchSharp.torch;

namespace Fragility.Attacks;

/// <summary>The result of one attack on a batch: the returned images, their maps and each input's outcome.</summary>
public sealed class AttackBatchResult : IDisposable
{
    /// <summary>Creates a result; takes ownership of the tensors.</summary>
    public AttackBatchResult(string attack, Tensor perturbed, Tensor perturbedMaps, IReadOnlyList<AttackOutcome> outcomes)
    {
        Attack = attack;
        Perturbed = perturbed;
        PerturbedMaps = perturbedMaps;
        Outcomes = outcomes;
    }

    /// <summary>Attack name (see <see cref="AttackNames"/>).</summary>
    public string Attack { get; }

    /// <summary>Returned images [N, C, H, W], pixel scale [0, 1], within epsilon of the clean inputs.</summary>
    public Tensor Perturbed { get; }

    /// <summary>Saliency maps [N, H, W] of the returned images (evaluation method, ReLU network, clean labels).</summary>
    public Tensor PerturbedMaps { get; }

    /// <summary>Per-input outcomes, in batch order.</summary>
    public IReadOnlyList<AttackOutcome> Outcomes { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Perturbed.Dispose();
        PerturbedMaps.Dispose();
    }
}
