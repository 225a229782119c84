using Fragility.Attribution.Propagation;

namespace Fragility.Attribution;

/// <summary>A layer-wise method that sends the input and its reference through the network together (DeepLIFT). A
/// caller that maps many inputs of one shape, such as an attack's iterates, can have the reference's pass made once
/// (<see cref="ReferenceTape"/>) when the reference does not depend on the input's values.</summary>
public interface IReferencePropagation : IAttributionMethod
{
    /// <summary>The reference r.</summary>
    IReference Reference { get; }

    /// <summary>The same method (the same maps), recording the reference's pass on <paramref name="tape"/> at its first
    /// map and replaying it for later inputs of the same shape; the method itself when the reference depends on the
    /// input's values.</summary>
    IAttributionMethod WithTape(ReferenceTape tape);
}
