using System.Buffers.Binary;
using System.IO.Compression;

namespace Fragility.Data;

/// <summary>
/// Reads IDX files (the format of MNIST and Fashion-MNIST), plain or gzip-compressed; gzip is recognised by its
/// magic bytes (1F 8B), not by the file name. Header: a big-endian magic number (0x00000803 for unsigned-byte
/// images [N, rows, cols], 0x00000801 for unsigned-byte labels [N]) followed by one big-endian 32-bit size per
/// dimension, then the data. Every problem (missing, truncated, corrupt, wrong kind of file) is a
/// <see cref="FragilityException"/> naming the file.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of unsigned bytes with 3 dimensions (images).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned bytes with 1 dimension (labels).</summary>
    public const int LabelsMagic = 0x00000801;

    private const string DefaultRemedy = "Re-download or replace the file.";

    /// <summary>Reads an IDX image file (magic 0x00000803).</summary>
    /// <param name="path">The file, plain or gzip-compressed.</param>
    /// <param name="limit">Read only the first <paramref name="limit"/> images (all when null or larger than the file).</param>
    /// <param name="remedy">The fix named at the end of error messages (default: re-download or replace the file).</param>
    public static IdxImages ReadImages(string path, int? limit = null, string? remedy = null)
    {
        remedy ??= DefaultRemedy;
        using var stream = Open(path, remedy, out var gzip);
        var header = ReadHeader(stream, path, 16, ImagesMagic, "images", remedy);
        int count = ReadDimension(header, 4, path, remedy);
        int rows = ReadDimension(header, 8, path, remedy);
        int cols = ReadDimension(header, 12, path, remedy);
        if (rows == 0 || cols == 0)
            throw new FragilityException($"IDX file '{path}' declares images of {rows}x{cols} pixels, which is not a valid image size. {remedy}");
        long bodyLength = (long)count * rows * cols;
        int take = Math.Min(count, limit ?? count);
        long wanted = (long)take * rows * cols;
        if (wanted > Array.MaxLength)
            throw new FragilityException($"IDX file '{path}' holds {count} images of {rows}x{cols} pixels, too many to read at once: read fewer with a limit.");
        CheckPlainLength(stream, gzip, path, 16 + bodyLength, remedy);
        var pixels = ReadBody(stream, gzip, path, 16, wanted, bodyLength, remedy);
        return new IdxImages(take, rows, cols, pixels);
    }

    /// <summary>Reads an IDX label file (magic 0x00000801): one unsigned byte per image.</summary>
    /// <param name="path">The file, plain or gzip-compressed.</param>
    /// <param name="limit">Read only the first <paramref name="limit"/> labels (all when null or larger than the file).</param>
    /// <param name="remedy">The fix named at the end of error messages (default: re-download or replace the file).</param>
    public static byte[] ReadLabels(string path, int? limit = null, string? remedy = null)
    {
        remedy ??= DefaultRemedy;
        using var stream = Open(path, remedy, out var gzip);
        var header = ReadHeader(stream, path, 8, LabelsMagic, "labels", remedy);
        int count = ReadDimension(header, 4, path, remedy);
        int take = Math.Min(count, limit ?? count);
        CheckPlainLength(stream, gzip, path, 8 + (long)count, remedy);
        return ReadBody(stream, gzip, path, 8, take, count, remedy);
    }

    /// <summary>True when the file starts with the gzip magic bytes 1F 8B.</summary>
    public static bool IsGzip(string path)
    {
        using var f = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        return f.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    }

    private static Stream Open(string path, string remedy, out bool gzip)
    {
        if (!File.Exists(path))
            throw new FragilityException($"IDX file '{path}' not found. {remedy}");
        try
        {
            gzip = IsGzip(path);
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            // A large buffer: GZipStream reads are otherwise the bottleneck for the 47 MB training images.
            return gzip ? new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 20) : file;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FragilityException($"IDX file '{path}' cannot be read ({e.Message}). Check its permissions. {remedy}", e);
        }
    }

    private static byte[] ReadHeader(Stream stream, string path, int length, int magic, string kind, string remedy)
    {
        var header = new byte[length];
        int got = ReadFully(stream, header, path, remedy);
        if (got < 4)
            throw new FragilityException($"IDX file '{path}' is truncated: it has no complete header ({got} bytes). {remedy}");
        int found = BinaryPrimitives.ReadInt32BigEndian(header);
        if (found != magic)
            throw new FragilityException(
                $"IDX file '{path}' has magic number 0x{found:X8}, not 0x{magic:X8} (IDX {kind}): it is not an IDX {kind} file or it is corrupt. {remedy}");
        if (got < length)
            throw new FragilityException($"IDX file '{path}' is truncated: its header needs {length} bytes, found {got}. {remedy}");
        return header;
    }

    private static int ReadDimension(byte[] header, int offset, string path, string remedy)
    {
        int d = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(offset));
        if (d < 0)
            throw new FragilityException($"IDX file '{path}' declares a negative size ({d}): the file is corrupt. {remedy}");
        return d;
    }

    // For plain files the exact length is known before reading: check it up front (too short = truncated, too long = corrupt).
    private static void CheckPlainLength(Stream stream, bool gzip, string path, long expected, string remedy)
    {
        if (gzip) return;
        long actual = stream.Length;
        if (actual < expected)
            throw new FragilityException($"IDX file '{path}' is truncated: expected {expected} bytes, found {actual}. {remedy}");
        if (actual > expected)
            throw new FragilityException($"IDX file '{path}' has {actual - expected} bytes beyond the {expected} its header declares: the file is corrupt. {remedy}");
    }

    private static byte[] ReadBody(Stream stream, bool gzip, string path, int headerLength, long wanted, long bodyLength, string remedy)
    {
        var body = new byte[wanted];
        int got = ReadFully(stream, body, path, remedy);
        if (got < wanted)
        {
            string what = gzip ? " after decompression" : "";
            throw new FragilityException(
                $"IDX file '{path}' is truncated: expected {headerLength + bodyLength} bytes{what}, found {headerLength + got}. {remedy}");
        }
        if (gzip && wanted == bodyLength)
        {
            // The whole body was read: anything more in the compressed stream means the header is wrong.
            Span<byte> probe = stackalloc byte[1];
            if (ReadFully(stream, probe, path, remedy) > 0)
                throw new FragilityException(
                    $"IDX file '{path}' holds more data than the {headerLength + bodyLength} bytes its header declares: the file is corrupt. {remedy}");
        }
        return body;
    }

    private static int ReadFully(Stream stream, Span<byte> buffer, string path, string remedy)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new FragilityException($"IDX file '{path}' is corrupt: its gzip data cannot be decompressed ({e.Message}). {remedy}", e);
        }
        catch (IOException e)
        {
            throw new FragilityException($"IDX file '{path}' cannot be read ({e.Message}). {remedy}", e);
        }
    }
}
