using System.Globalization;
using System.Text;

namespace Fragility.Influence;

/// <summary>
/// Minimal NumPy .npy writer (format 1.0, little-endian float64, C order). Private to this area until the shared
/// Fragility.IO.NpyFile lands; same signature, so the swap is one line.
/// </summary>
internal static class InfluenceNpy
{
    /// <summary>Writes <paramref name="data"/> with <paramref name="shape"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, double[] data, params int[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count != data.Length) throw new ArgumentException($"shape [{string.Join(",", shape)}] holds {count} values, data has {data.Length}", nameof(shape));
        string dims = shape.Length == 1 ? shape[0].ToString(CultureInfo.InvariantCulture) + "," : string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
        string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims + "), }";
        // Magic (6) + version (2) + length (2) + header + newline, padded with spaces to a multiple of 64 bytes.
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        using var fs = File.Create(path);
        using var w = new BinaryWriter(fs);
        w.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        w.Write((ushort)header.Length);
        w.Write(Encoding.ASCII.GetBytes(header));
        foreach (var v in data) w.Write(v); // BinaryWriter is little-endian
    }
}
