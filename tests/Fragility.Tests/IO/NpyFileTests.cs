using System.Text;
using Fragility.IO;

namespace Fragility.Tests.IO;

public sealed class NpyFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npy-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The header NumPy >= 1.23 writes for np.arange(6, dtype='<f4').reshape(2, 3), spelled out from the format
    // specification: 10 prefix bytes, the dict, 20 growth spaces (21 digits minus len("2")), padding to 128 bytes, "\n".
    private static byte[] KnownHeader2x3F4()
    {
        const string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0 };
        bytes.AddRange(Encoding.ASCII.GetBytes(dict));
        while (bytes.Count < 127) bytes.Add((byte)' ');
        bytes.Add((byte)'\n');
        return bytes.ToArray();
    }

    [Fact]
    public void EncodeHeader_MatchesNumPyBytes_For2x3Float32()
    {
        byte[] header = NpyFile.EncodeHeader("<f4", [2, 3]);
        Assert.Equal(128, header.Length);
        Assert.Equal(KnownHeader2x3F4(), header);
    }

    [Fact]
    public void Write_ProducesHeaderThenLittleEndianValues()
    {
        string path = Path.Combine(_dir, "a.npy");
        NpyFile.Write(path, [0f, 1f, 2f, 3f, 4f, -2f], 2, 3);
        byte[] file = File.ReadAllBytes(path);
        Assert.Equal(KnownHeader2x3F4(), file[..128]);
        // IEEE-754 single: 1.0 = 0x3F800000, -2.0 = 0xC0000000, stored little-endian.
        Assert.Equal(new byte[] { 0, 0, 0x80, 0x3F }, file[132..136]);
        Assert.Equal(new byte[] { 0, 0, 0, 0xC0 }, file[148..152]);
        Assert.Equal(128 + 6 * 4, file.Length);
    }

    [Fact]
    public void Read_KnownBytes_GivesValuesAndShape()
    {
        var bytes = new List<byte>(KnownHeader2x3F4());
        foreach (float v in new[] { 0.5f, 1f, 2f, 3f, 4f, 5f }) bytes.AddRange(BitConverter.GetBytes(v));
        var npy = NpyFile.Read(new MemoryStream(bytes.ToArray()));
        Assert.Equal(new[] { 2, 3 }, npy.Shape);
        Assert.Equal("<f4", npy.Descr);
        Assert.Equal(new[] { 0.5f, 1f, 2f, 3f, 4f, 5f }, npy.ToSingle());
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 1, 28, 28 })]
    [InlineData(new[] { 2, 3, 4, 5 })]
    [InlineData(new[] { 0, 3 })]
    public void RoundTrip_Float32_AnyShape(int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var rng = new Random(1);
        var data = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        if (n > 0) { data[0] = float.NaN; data[^1] = float.Epsilon; }
        string path = Path.Combine(_dir, $"r{string.Join("x", shape)}.npy");
        NpyFile.Write(path, data, shape);
        var back = NpyFile.ReadSingle(path, out int[] backShape);
        Assert.Equal(shape, backShape);
        Assert.Equal(data, back);
        Assert.Equal(0, (new FileInfo(path).Length - n * 4) % 64);
    }

    [Fact]
    public void RoundTrip_Float64_KeepsEveryBit()
    {
        double[] data = [Math.PI, -0.0, double.MaxValue, 1e-310, double.NegativeInfinity, 1.0 / 3.0];
        string path = Path.Combine(_dir, "d.npy");
        NpyFile.Write(path, data, 3, 2);
        var npy = NpyFile.Read(path);
        Assert.True(npy.IsDouble);
        Assert.Equal("<f8", npy.Descr);
        Assert.Equal(new[] { 3, 2 }, npy.Shape);
        Assert.Equal(data.Select(BitConverter.DoubleToInt64Bits), npy.ToDouble().Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal((float)Math.PI, npy.ToSingle()[0]);
    }

    [Fact]
    public void Write_DataStartsOn64ByteBoundary_ForManyShapes()
    {
        foreach (int[] shape in new[] { new[] { 1 }, new[] { 12345, 2 }, new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, new[] { 1000000000 } })
            Assert.Equal(0, NpyFile.EncodeHeader("<f8", shape).Length % 64);
    }

    [Fact]
    public void Read_Version2Header_AndOld16ByteAlignedHeader()
    {
        // v2.0: 4-byte header length; dict without growth padding, as older writers produce.
        const string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
        var v2 = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0 };
        int len = 128 - 12; // header 128 bytes = 12 prefix bytes + dict, padding and newline
        v2.AddRange(BitConverter.GetBytes((uint)len));
        v2.AddRange(Encoding.ASCII.GetBytes(dict.PadRight(len - 1)));
        v2.Add((byte)'\n');
        foreach (double v in new[] { 1.5, -2.5, 4.0 }) v2.AddRange(BitConverter.GetBytes(v));
        Assert.Equal(new[] { 1.5, -2.5, 4.0 }, NpyFile.Read(new MemoryStream(v2.ToArray())).ToDouble());

        // NumPy < 1.23: 16-byte alignment, header length 70 ('F').
        var v1 = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 70, 0 };
        v1.AddRange(Encoding.ASCII.GetBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }".PadRight(69)));
        v1.Add((byte)'\n');
        v1.AddRange(BitConverter.GetBytes(7f));
        v1.AddRange(BitConverter.GetBytes(8f));
        var npy = NpyFile.Read(new MemoryStream(v1.ToArray()));
        Assert.Equal(new[] { 1, 2 }, npy.Shape);
        Assert.Equal(new[] { 7f, 8f }, npy.ToSingle());
    }

    [Fact]
    public void Read_FortranOrder_IsReorderedToCOrder()
    {
        // A 2x3 matrix [[1,2,3],[4,5,6]] stored column by column: 1,4,2,5,3,6.
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 118, 0 };
        bytes.AddRange(Encoding.ASCII.GetBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }".PadRight(117)));
        bytes.Add((byte)'\n');
        foreach (float v in new[] { 1f, 4f, 2f, 5f, 3f, 6f }) bytes.AddRange(BitConverter.GetBytes(v));
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, NpyFile.Read(new MemoryStream(bytes.ToArray())).ToSingle());
    }

    [Fact]
    public void Read_CorruptFiles_ThrowFragilityExceptionNamingTheProblem()
    {
        string good = Path.Combine(_dir, "g.npy");
        NpyFile.Write(good, new float[12], 3, 4);
        byte[] bytes = File.ReadAllBytes(good);

        string truncated = Path.Combine(_dir, "t.npy");
        File.WriteAllBytes(truncated, bytes[..^5]);
        Assert.Contains("truncated", Assert.Throws<FragilityException>(() => NpyFile.Read(truncated)).Message);

        string notNpy = Path.Combine(_dir, "n.npy");
        File.WriteAllText(notNpy, "hello, world");
        Assert.Contains("magic", Assert.Throws<FragilityException>(() => NpyFile.Read(notNpy)).Message);

        string wrongType = Path.Combine(_dir, "i.npy");
        File.WriteAllBytes(wrongType, Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(bytes).Replace("<f4", "<i4")));
        Assert.Contains("'<i4'", Assert.Throws<FragilityException>(() => NpyFile.Read(wrongType)).Message);

        string badShape = Path.Combine(_dir, "s.npy");
        File.WriteAllBytes(badShape, Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(bytes).Replace("(3, 4)", "(3, x)")));
        Assert.Contains("shape", Assert.Throws<FragilityException>(() => NpyFile.Read(badShape)).Message);

        string headerOnly = Path.Combine(_dir, "h.npy");
        File.WriteAllBytes(headerOnly, bytes[..9]);
        Assert.Contains("header", Assert.Throws<FragilityException>(() => NpyFile.Read(headerOnly)).Message);

        Assert.Contains("does not exist", Assert.Throws<FragilityException>(() => NpyFile.Read(Path.Combine(_dir, "missing.npy"))).Message);
    }

    [Fact]
    public void Write_ShapeMismatch_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => NpyFile.Write(Path.Combine(_dir, "x.npy"), new float[5], 2, 3));
    }
}
