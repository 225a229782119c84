using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Fragility.IO;

/// <summary>
/// A NumPy <c>.npy</c> array of float32 (<c>'&lt;f4'</c>) or float64 (<c>'&lt;f8'</c>) values, and the reader and
/// writer of the format (NumPy format versions 1.0, 2.0 and 3.0 are read; 1.0 is written, 2.0 only when the header
/// needs more than 65535 bytes). Values are held in C (row-major) order; a file written in Fortran order is
/// reordered when read. Files written here are byte-identical to what <c>numpy.save</c> (NumPy 1.23 and later)
/// writes for the same array.
/// </summary>
/// <remarks>
/// Format: the magic bytes <c>\x93NUMPY</c>, major and minor version bytes, the header length (uint16 little-endian
/// in 1.0, uint32 in 2.0 and 3.0), then an ASCII (UTF-8 in 3.0) Python dict literal with the keys <c>descr</c>,
/// <c>fortran_order</c> and <c>shape</c>, padded with spaces and ending in a newline so that the data starts at a
/// multiple of 64 bytes. Hand-written because no maintained .NET package reads .npy without pulling in a
/// tensor library.
/// </remarks>
public sealed class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    private const int ArrayAlign = 64;
    // NumPy leaves room for the first axis to grow to 21 digits (GROWTH_AXIS_MAX_DIGITS); kept for byte-identical files.
    private const int GrowthAxisMaxDigits = 21;

    private readonly float[]? _single;
    private readonly double[]? _double;

    private NpyFile(int[] shape, float[]? single, double[]? dbl)
    {
        Shape = shape;
        _single = single;
        _double = dbl;
    }

    /// <summary>Creates a float32 array of the given shape; <paramref name="data"/> is held (not copied), C order.</summary>
    /// <exception cref="ArgumentException">The number of values does not match the shape.</exception>
    public static NpyFile FromSingle(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(data.Length, shape);
        return new NpyFile((int[])shape.Clone(), data, null);
    }

    /// <summary>Creates a float64 array of the given shape; <paramref name="data"/> is held (not copied), C order.</summary>
    /// <exception cref="ArgumentException">The number of values does not match the shape.</exception>
    public static NpyFile FromDouble(double[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckShape(data.Length, shape);
        return new NpyFile((int[])shape.Clone(), null, data);
    }

    /// <summary>Shape of the array (empty for a scalar), C order: the last axis varies fastest.</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>NumPy type descriptor of the values: <c>"&lt;f4"</c> (float32) or <c>"&lt;f8"</c> (float64).</summary>
    public string Descr => _single is not null ? "<f4" : "<f8";

    /// <summary>True when the values are float64, false when float32.</summary>
    public bool IsDouble => _double is not null;

    /// <summary>Number of values (the product of the shape; 1 for a scalar).</summary>
    public int Length => _single?.Length ?? _double!.Length;

    /// <summary>The values as float32 in C order (the held array itself for float32 data, a rounded copy for float64).</summary>
    public float[] ToSingle() => _single ?? Array.ConvertAll(_double!, v => (float)v);

    /// <summary>The values as float64 in C order (a widened copy for float32 data, the held array itself for float64).</summary>
    public double[] ToDouble() => _double ?? Array.ConvertAll(_single!, v => (double)v);

    /// <summary>Reads a .npy file.</summary>
    /// <exception cref="FragilityException">The file is missing, is not a .npy file, is truncated, or holds a type other than little-endian float32/float64.</exception>
    public static NpyFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FragilityException($"NumPy file '{path}' does not exist. Check the path (arrays of a sweep live in its arrays/ folder).");
        try
        {
            using var stream = File.OpenRead(path);
            return Read(stream, path);
        }
        catch (IOException e)
        {
            throw new FragilityException($"NumPy file '{path}' cannot be read: {e.Message}. Check that the file is readable.", e);
        }
    }

    /// <summary>Reads a .npy array from a stream (positioned at the magic bytes); <paramref name="name"/> is used in error messages.</summary>
    /// <exception cref="FragilityException">The data is not a .npy array of little-endian float32/float64, or is truncated.</exception>
    public static NpyFile Read(Stream stream, string name = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        string Fix(string problem) => $"NumPy file '{name}' {problem}. Re-create it (e.g. with numpy.save or NpyFile.Write).";

        var prefix = new byte[8];
        if (ReadFully(stream, prefix) < 8 || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
            throw new FragilityException(Fix("is not a .npy file (no \\x93NUMPY magic bytes)"));
        int major = prefix[6], minor = prefix[7];
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new FragilityException(Fix($"has unsupported format version {major}.{minor} (1.0, 2.0 and 3.0 are read)")),
        };
        var lengthField = new byte[lengthBytes];
        if (ReadFully(stream, lengthField) < lengthBytes) throw new FragilityException(Fix("is truncated in its header"));
        long headerLength = lengthBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(lengthField)
            : BinaryPrimitives.ReadUInt32LittleEndian(lengthField);
        if (headerLength > 1 << 24) throw new FragilityException(Fix($"declares an implausible header of {headerLength} bytes"));
        var headerBytes = new byte[headerLength];
        if (ReadFully(stream, headerBytes) < headerLength) throw new FragilityException(Fix("is truncated in its header"));
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (descr, fortran, shape) = ParseHeader(header, Fix);

        int itemSize = descr switch
        {
            "<f4" => 4,
            "<f8" => 8,
            _ => throw new FragilityException(
                $"NumPy file '{name}' holds dtype '{descr}'; only little-endian float32 ('<f4') and float64 ('<f8') are supported. " +
                "Convert it first (numpy: a.astype('<f4'))."),
        };
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count * itemSize > Array.MaxLength) throw new FragilityException(Fix($"has shape ({string.Join(", ", shape)}), too large to load"));
        }
        if (stream.CanSeek && stream.Length - stream.Position < count * itemSize)
            throw new FragilityException(Fix($"is truncated: shape ({string.Join(", ", shape)}) needs {count * itemSize} data bytes, found {stream.Length - stream.Position}"));
        var data = new byte[count * itemSize];
        int got = ReadFully(stream, data);
        if (got < data.Length)
            throw new FragilityException(Fix($"is truncated: shape ({string.Join(", ", shape)}) needs {data.Length} data bytes, found {got}"));

        if (itemSize == 4)
        {
            var values = new float[count];
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(i * 4));
            if (fortran) values = FortranToC(values, shape);
            return new NpyFile(shape, values, null);
        }
        else
        {
            var values = new double[count];
            for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(data.AsSpan(i * 8));
            if (fortran) values = FortranToC(values, shape);
            return new NpyFile(shape, null, values);
        }
    }

    /// <summary>Reads a float32 or float64 .npy file and returns its values as float32 in C order, with its shape.</summary>
    /// <exception cref="FragilityException">See <see cref="Read(string)"/>.</exception>
    public static float[] ReadSingle(string path, out int[] shape)
    {
        var npy = Read(path);
        shape = npy.Shape.ToArray();
        return npy.ToSingle();
    }

    /// <summary>Writes float32 values of the given shape (C order) as a .npy v1.0 file, creating the folder if needed.</summary>
    /// <exception cref="ArgumentException">The number of values does not match the shape.</exception>
    /// <exception cref="FragilityException">The file cannot be written.</exception>
    public static void Write(string path, float[] data, params int[] shape) => FromSingle(data, shape).Save(path);

    /// <summary>Writes float64 values of the given shape (C order) as a .npy v1.0 file, creating the folder if needed.</summary>
    /// <exception cref="ArgumentException">The number of values does not match the shape.</exception>
    /// <exception cref="FragilityException">The file cannot be written.</exception>
    public static void Write(string path, double[] data, params int[] shape) => FromDouble(data, shape).Save(path);

    /// <summary>Saves this array as a .npy file (v1.0), creating the folder if needed.</summary>
    /// <exception cref="FragilityException">The file cannot be written.</exception>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
            if (dir is not null) Directory.CreateDirectory(dir);
            using var stream = File.Create(path);
            Write(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FragilityException($"Cannot write NumPy file '{path}': {e.Message}. Choose a writable output folder.", e);
        }
    }

    /// <summary>Writes this array in .npy format (v1.0, or v2.0 if the header does not fit in 65535 bytes) to a stream.</summary>
    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(EncodeHeader(Descr, Shape));
        int itemSize = IsDouble ? 8 : 4;
        var buffer = new byte[Math.Min(Length, 1 << 16) * itemSize];
        for (int start = 0; start < Length; start += buffer.Length / itemSize)
        {
            int n = Math.Min(buffer.Length / itemSize, Length - start);
            for (int i = 0; i < n; i++)
            {
                if (_single is not null) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), _single[start + i]);
                else BinaryPrimitives.WriteDoubleLittleEndian(buffer.AsSpan(i * 8), _double![start + i]);
            }
            stream.Write(buffer, 0, n * itemSize);
        }
    }

    /// <summary>
    /// The bytes that precede the data in a .npy file for the given descriptor and shape: magic, version, header
    /// length and the space-padded dict, exactly as NumPy writes them (data aligned to 64 bytes).
    /// </summary>
    public static byte[] EncodeHeader(string descr, IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(descr);
        ArgumentNullException.ThrowIfNull(shape);
        string shapeText = shape.Count switch
        {
            0 => "()",
            1 => $"({shape[0].ToString(CultureInfo.InvariantCulture)},)",
            _ => "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        if (shape.Count > 0) dict += new string(' ', GrowthAxisMaxDigits - shape[0].ToString(CultureInfo.InvariantCulture).Length);

        foreach (var (major, lengthBytes) in new[] { (1, 2), (2, 4) })
        {
            int prefix = 6 + 2 + lengthBytes;
            int withNewline = dict.Length + 1;
            // NumPy's rule: the padding is never zero (a full 64 bytes when already aligned).
            int pad = ArrayAlign - (prefix + withNewline) % ArrayAlign;
            long total = withNewline + pad;
            if (lengthBytes == 2 && total > ushort.MaxValue) continue;
            var bytes = new byte[prefix + total];
            Magic.CopyTo(bytes, 0);
            bytes[6] = (byte)major;
            bytes[7] = 0;
            if (lengthBytes == 2) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)total);
            else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)total);
            Encoding.ASCII.GetBytes(dict, bytes.AsSpan(prefix));
            bytes.AsSpan(prefix + dict.Length, pad).Fill((byte)' ');
            bytes[^1] = (byte)'\n';
            return bytes;
        }
        throw new InvalidOperationException("unreachable: a v2.0 header always fits");
    }

    private static readonly Regex DescrPattern = new(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]", RegexOptions.CultureInvariant);
    private static readonly Regex FortranPattern = new(@"['""]fortran_order['""]\s*:\s*(True|False)", RegexOptions.CultureInvariant);
    private static readonly Regex ShapePattern = new(@"['""]shape['""]\s*:\s*\(([^)]*)\)", RegexOptions.CultureInvariant);

    private static (string Descr, bool Fortran, int[] Shape) ParseHeader(string header, Func<string, string> fix)
    {
        string text = header.TrimEnd('\n', ' ', '\0');
        if (!text.StartsWith('{') || !text.EndsWith('}'))
            throw new FragilityException(fix("has a corrupt header (not a Python dict literal)"));
        var descr = DescrPattern.Match(text);
        var fortran = FortranPattern.Match(text);
        var shape = ShapePattern.Match(text);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new FragilityException(fix("has a corrupt header (descr, fortran_order or shape missing)"));
        var dims = new List<int>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // NumPy on Windows once wrote dimensions as "3L".
            if (!int.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                throw new FragilityException(fix($"has a corrupt shape '({shape.Groups[1].Value})'"));
            dims.Add(d);
        }
        return (descr.Groups[1].Value, fortran.Groups[1].Value == "True", dims.ToArray());
    }

    private static T[] FortranToC<T>(T[] values, int[] shape)
    {
        if (shape.Length < 2) return values;
        var result = new T[values.Length];
        var index = new int[shape.Length];
        for (int c = 0; c < values.Length; c++)
        {
            // c walks C order (last axis fastest); the Fortran offset weights the first axis fastest.
            long f = 0, stride = 1;
            for (int a = 0; a < shape.Length; a++) { f += index[a] * stride; stride *= shape[a]; }
            result[c] = values[f];
            for (int a = shape.Length - 1; a >= 0; a--)
            {
                if (++index[a] < shape[a]) break;
                index[a] = 0;
            }
        }
        return result;
    }

    private static void CheckShape(int length, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"shape dimensions must be non-negative, got [{string.Join(",", shape)}]", nameof(shape));
            count *= d;
        }
        if (count != length)
            throw new ArgumentException($"{length} values do not fill shape [{string.Join(",", shape)}] ({count} values)", nameof(shape));
    }

    private static int ReadFully(Stream stream, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
