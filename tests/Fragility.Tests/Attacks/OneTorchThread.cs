using TorchSharp;

namespace Fragility.Tests.Attacks;

/// <summary>
/// Runs libtorch on one intra-op thread until disposed, then restores the previous count. The attack tests use
/// tensors of a few hundred values, where thread hand-offs cost more than they save; on a loaded 2-core machine
/// two spinning threads made them 5-10x slower.
/// </summary>
public abstract class OneTorchThread : IDisposable
{
    private readonly int _previous = torch.get_num_threads();

    /// <summary>Sets one thread.</summary>
    protected OneTorchThread() => torch.set_num_threads(1);

    /// <inheritdoc />
    public virtual void Dispose()
    {
        torch.set_num_threads(_previous);
        GC.SuppressFinalize(this);
    }
}
