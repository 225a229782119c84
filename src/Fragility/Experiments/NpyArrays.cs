using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Experiments;

/// <summary>Writes float32 .npy arrays atomically (temporary file, then rename), so an interrupted sweep never
/// leaves a partial array. Temporary writer until Fragility.IO.NpyFile is on main.</summary>
internal static class NpyArrays
{
    public static void Write(string path, Tensor tensor)
    {
        float[] data;
        long[] shape = tensor.shape;
        using (torch.NewDisposeScope())
            data = tensor.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            var h = Encoding.ASCII.GetBytes(header);
            stream.Write(BitConverter.GetBytes((ushort)h.Length));
            stream.Write(h);
            var bytes = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            stream.Write(bytes);
        }
        File.Move(temp, path, overwrite: true);
    }
}
