using System.IO.Compression;
using Fragility.Models.Import;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Tests.Import;

public class PyTorchStateDictFileTests
{
    private static double[] Values(Tensor t)
    {
        using var d = t.to(ScalarType.Float64).contiguous();
        return d.data<double>().ToArray();
    }

    [Fact]
    public void ViewsOfOneStorage_ComeBackWithTheirOffsetsAndStrides()
    {
        var sd = PyTorchStateDictFile.Read(ImportFixtures.Path("views.pth"));
        try
        {
            // base = arange(24).view(4, 6); the others are views of its storage (make_import_fixtures.py).
            double B(int r, int c) => 6 * r + c;
            Assert.Equal(new long[] { 4, 6 }, sd["base"].shape);
            Assert.Equal(Enumerable.Range(0, 24).Select(i => (double)i), Values(sd["base"]));
            Assert.Equal(new long[] { 2, 6 }, sd["rows"].shape);
            Assert.Equal(Enumerable.Range(6, 12).Select(i => (double)i), Values(sd["rows"]));
            Assert.Equal(new long[] { 6, 4 }, sd["transposed"].shape);
            Assert.Equal(from c in Enumerable.Range(0, 6) from r in Enumerable.Range(0, 4) select B(r, c), Values(sd["transposed"]));
            Assert.Equal(new long[] { 4 }, sd["column"].shape);
            Assert.Equal(Enumerable.Range(0, 4).Select(r => B(r, 2)), Values(sd["column"]));
            Assert.Equal(new[] { 1.0, 2.0 }, Values(sd["param"]));
        }
        finally { foreach (var t in sd.Values) t.Dispose(); }
    }

    [Fact]
    public void EveryStorageDtype_KeepsItsTypeAndValues()
    {
        var sd = PyTorchStateDictFile.Read(ImportFixtures.Path("views.pth"));
        try
        {
            Assert.Equal(ScalarType.Float64, sd["f64"].dtype);
            Assert.Equal(new[] { 0.0, 0.5, 1.0, 1.5, 2.0 }, Values(sd["f64"]));
            Assert.Equal(ScalarType.Float16, sd["f16"].dtype);
            Assert.Equal(new[] { 1.5, -2.25, 65504.0 }, Values(sd["f16"]));
            Assert.Equal(ScalarType.BFloat16, sd["bf16"].dtype);
            Assert.Equal(new[] { 1.0, -3.5, 256.0 }, Values(sd["bf16"]));
            Assert.Equal(ScalarType.Int64, sd["i64"].dtype);
            Assert.Equal(new long[] { -3, 1L << 40 }, sd["i64"].data<long>().ToArray());
            Assert.Equal(ScalarType.Int32, sd["i32"].dtype);
            Assert.Equal(new[] { -7, 123456 }, sd["i32"].data<int>().ToArray());
            Assert.Equal(ScalarType.Byte, sd["u8"].dtype);
            Assert.Equal(new byte[] { 0, 7, 255 }, sd["u8"].data<byte>().ToArray());
            Assert.Equal(ScalarType.Bool, sd["bool"].dtype);
            Assert.Equal(new[] { true, false, true }, sd["bool"].data<bool>().ToArray());
            Assert.Empty(sd["scalar"].shape);
            Assert.Equal(3.25f, sd["scalar"].item<float>());
            Assert.Equal(new long[] { 0, 3 }, sd["empty"].shape);
        }
        finally { foreach (var t in sd.Values) t.Dispose(); }
    }

    [Fact]
    public void Checkpoint_WithTheStateDictUnderModel_YieldsThatStateDict()
    {
        var sd = PyTorchStateDictFile.Read(ImportFixtures.Path("nested-checkpoint.pth"));
        try
        {
            Assert.Equal(new[] { "layer.weight", "layer.bias" }, sd.Keys.ToArray());
            Assert.Equal(new long[] { 2, 3 }, sd["layer.weight"].shape);
            Assert.Equal(new[] { 0.5, -0.5 }, Values(sd["layer.bias"]));
        }
        finally { foreach (var t in sd.Values) t.Dispose(); }
    }

    [Theory]
    [InlineData("malicious-os-system.pth", "posix.system")]  // GLOBAL opcode, protocol 2
    [InlineData("malicious-eval.pth", "builtins.eval")]      // STACK_GLOBAL opcode, protocol 4
    public void MaliciousPickle_IsRefusedNamingTheGlobal_AndNothingRuns(string file, string global)
    {
        File.Delete(ImportFixtures.PwnedMarker);
        var e = Assert.Throws<FragilityException>(() => PyTorchStateDictFile.Read(ImportFixtures.Path(file)));
        ImportFixtures.AssertOneLine(e);
        Assert.StartsWith("refusing to load '", e.Message);
        Assert.Contains($"it asks for global '{global}', which a state_dict never needs", e.Message);
        Assert.Contains("convert them to safetensors", e.Message);
        Assert.False(File.Exists(ImportFixtures.PwnedMarker), "the payload ran");
    }

    [Fact]
    public void UnknownGlobalAfterAValidTensor_IsRefusedBeforeAnyStorageIsRead()
    {
        // OrderedDict([('w', <tensor on storage '0'>), ('x', subprocess.Popen('true'))]) in an archive that holds no
        // storage: the refusal must come first, because storages are read only after the whole pickle is accepted.
        var p = new List<byte> { 0x80, 0x02 };
        void Op(char c) => p.Add((byte)c);
        void Str(string s) { Op('X'); p.AddRange(BitConverter.GetBytes(s.Length)); p.AddRange(System.Text.Encoding.UTF8.GetBytes(s)); }
        void Global(string module, string name) { Op('c'); p.AddRange(System.Text.Encoding.ASCII.GetBytes($"{module}\n{name}\n")); }
        Global("collections", "OrderedDict"); Op(')'); Op('R');
        Op('(');
        Str("w");
        Global("torch._utils", "_rebuild_tensor_v2");
        Op('(');
        Op('('); Str("storage"); Global("torch", "FloatStorage"); Str("0"); Str("cpu"); Op('K'); p.Add(4); Op('t'); Op('Q');
        Op('K'); p.Add(0);
        Op('K'); p.Add(4); p.Add(0x85);
        Op('K'); p.Add(1); p.Add(0x85);
        p.Add(0x89);
        Global("collections", "OrderedDict"); Op(')'); Op('R');
        Op('t'); Op('R');
        Str("x");
        Global("subprocess", "Popen"); Str("true"); p.Add(0x85); Op('R');
        Op('u'); Op('.');
        string path = TempZip(("archive/data.pkl", p.ToArray()), ("archive/version", "3\n"u8.ToArray()));
        try
        {
            var e = Assert.Throws<FragilityException>(() => PyTorchStateDictFile.Read(path));
            ImportFixtures.AssertOneLine(e);
            Assert.Contains("it asks for global 'subprocess.Popen'", e.Message);
        }
        finally { File.Delete(path); }
    }

    /// <summary>A protocol-2 pickle of OrderedDict([('w', tensor)]) as torch.save writes it: the tensor views a float
    /// storage '0' of 4 elements with the given offset, size and stride.</summary>
    private static byte[] OneTensorPickle(byte offset, byte size, byte stride)
    {
        var p = new List<byte> { 0x80, 0x02 };
        void Op(char c) => p.Add((byte)c);
        void Str(string s) { Op('X'); p.AddRange(BitConverter.GetBytes(s.Length)); p.AddRange(System.Text.Encoding.UTF8.GetBytes(s)); }
        void Global(string module, string name) { Op('c'); p.AddRange(System.Text.Encoding.ASCII.GetBytes($"{module}\n{name}\n")); }
        Global("collections", "OrderedDict"); Op(')'); Op('R');
        Str("w");
        Global("torch._utils", "_rebuild_tensor_v2");
        Op('(');
        Op('('); Str("storage"); Global("torch", "FloatStorage"); Str("0"); Str("cpu"); Op('K'); p.Add(4); Op('t'); Op('Q');
        Op('K'); p.Add(offset);
        Op('K'); p.Add(size); p.Add(0x85);
        Op('K'); p.Add(stride); p.Add(0x85);
        p.Add(0x89);
        Global("collections", "OrderedDict"); Op(')'); Op('R');
        Op('t'); Op('R');
        Op('s'); Op('.');
        return p.ToArray();
    }

    private static readonly byte[] Storage1234 = new[] { 1f, 2f, 3f, 4f }.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void HandWrittenStateDictPickle_IsReadLikeTorchWritesIt()
    {
        // Checks the hand-written pickle is a valid state_dict, so the refusal tests built like it fail for their reason.
        string path = TempZip(("archive/data.pkl", OneTensorPickle(1, 3, 1)), ("archive/data/0", Storage1234), ("archive/version", "3\n"u8.ToArray()));
        try
        {
            var sd = PyTorchStateDictFile.Read(path);
            Assert.Equal(new[] { 2.0, 3.0, 4.0 }, Values(sd["w"]));   // offset 1 into [1, 2, 3, 4]
            sd["w"].Dispose();
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData(2, 3, 1)]   // elements 2..4 of a 4-element storage
    [InlineData(0, 3, 2)]   // elements 0, 2, 4
    public void ViewReachingPastItsStorage_IsOneLineError_NotAnOutOfBoundsRead(byte offset, byte size, byte stride)
    {
        string path = TempZip(("archive/data.pkl", OneTensorPickle(offset, size, stride)), ("archive/data/0", Storage1234), ("archive/version", "3\n"u8.ToArray()));
        try
        {
            var e = Assert.Throws<FragilityException>(() => PyTorchStateDictFile.Read(path));
            ImportFixtures.AssertOneLine(e);
            Assert.Contains("reaches element 4 of a storage of 4", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TruncatedArchive_IsOneLineError()
    {
        var e = Assert.Throws<FragilityException>(() => PyTorchStateDictFile.Read(ImportFixtures.Path("truncated.pth")));
        ImportFixtures.AssertOneLine(e);
        Assert.Contains("not a complete PyTorch archive", e.Message);
        Assert.Contains("re-save it", e.Message);
    }

    [Fact]
    public void StorageShorterThanItsTensors_IsOneLineError_NotANativeCrash()
    {
        // Rebuild nested-checkpoint.pth with one storage cut short: as_strided would read past the end.
        string src = ImportFixtures.Path("nested-checkpoint.pth");
        var entries = new List<(string, byte[])>();
        using (var zip = ZipFile.OpenRead(src))
            foreach (var entry in zip.Entries)
            {
                byte[] bytes = Read(entry);
                entries.Add((entry.FullName, entry.FullName.EndsWith("/data/0", StringComparison.Ordinal) ? bytes[..8] : bytes));
            }
        string path = TempZip(entries.ToArray());
        try
        {
            var e = Assert.Throws<FragilityException>(() => PyTorchStateDictFile.Read(path));
            ImportFixtures.AssertOneLine(e);
            Assert.Contains("truncated or corrupt", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LegacyFormat_IsRefusedWithHowToResave()
    {
        var e = Assert.Throws<FragilityException>(() => PyTorchStateDictFile.Read(ImportFixtures.Path("legacy.pth")));
        ImportFixtures.AssertOneLine(e);
        Assert.Contains("legacy (pre-1.6)", e.Message);
        Assert.Contains("torch.save", e.Message);
    }

    [Fact]
    public void NotAnArchive_IsOneLineError()
    {
        var e = Assert.Throws<FragilityException>(() => PyTorchStateDictFile.Read(ImportFixtures.Path("ops-cnn.onnx")));
        ImportFixtures.AssertOneLine(e);
        Assert.Contains("not a PyTorch state_dict", e.Message);
    }

    private static byte[] ReadEntry(string zipPath, string suffix)
    {
        using var zip = ZipFile.OpenRead(zipPath);
        return Read(zip.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal)));
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static string TempZip(params (string Name, byte[] Bytes)[] entries)
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"fragility-{Guid.NewGuid():N}.pth");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in entries)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            s.Write(bytes);
        }
        return path;
    }
}
