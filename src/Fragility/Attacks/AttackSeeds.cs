using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Fragility.Attacks;

/// <summary>
/// Seeds of random draws, derived from what a draw is for and never from processing order, so that sweeps split
/// into other batches, orders or machines give identical results.
/// </summary>
public static class AttackSeeds
{
    /// <summary>
    /// The seed of one input's draws: the first four bytes of SHA-256 of "seed|image|method|attack|epsilon"
    /// (epsilon written in the invariant culture's shortest round-trip form).
    /// </summary>
    /// <param name="seed">The user's base seed.</param>
    /// <param name="imageIndex">The input's index in its data set.</param>
    /// <param name="method">Attribution method name.</param>
    /// <param name="attack">Attack name.</param>
    /// <param name="epsilon">Epsilon in pixel units of the 0-255 scale.</param>
    public static int For(int seed, int imageIndex, string method, string attack, double epsilon)
    {
        string key = string.Join('|', seed.ToString(CultureInfo.InvariantCulture), imageIndex.ToString(CultureInfo.InvariantCulture),
            method, attack, epsilon.ToString("R", CultureInfo.InvariantCulture));
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return BinaryPrimitives.ReadInt32LittleEndian(hash) & int.MaxValue;
    }
}
