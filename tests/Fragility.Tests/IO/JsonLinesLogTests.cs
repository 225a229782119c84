using System.Text.Json;
using Fragility.IO;

namespace Fragility.Tests.IO;

/// <summary>The one rule of the resumable JSON Lines files: an incomplete last line is cut off, a complete line that
/// is not a record is an error naming it, appended lines are whole, and the file is held by one writer.</summary>
public sealed class JsonLinesLogTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"fragility-jsonl-{Guid.NewGuid():N}.jsonl");
    private static readonly JsonSerializerOptions Json = new();

    private sealed record Row(int Id, string Name);

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void CutsAnInterruptedLastLineAndKeepsTheRest()
    {
        using (var log = JsonLinesLog<Row>.Open(_path, Json))
        {
            log.Append(new Row(1, "a,\"b\"\nc"));
            log.Append(new Row(2, "ρ"));
        }
        string whole = File.ReadAllText(_path);
        File.AppendAllText(_path, "{\"Id\":3,\"Na");
        using (var log = JsonLinesLog<Row>.Open(_path, Json))
        {
            Assert.True(log.DroppedIncompleteLine);
            Assert.Equal(11, log.DroppedBytes);
            Assert.Equal([new Row(1, "a,\"b\"\nc"), new Row(2, "ρ")], log.Records);
            log.Append(new Row(3, "c"));
        }
        Assert.Equal(whole + "{\"Id\":3,\"Name\":\"c\"}\n", File.ReadAllText(_path));
    }

    [Fact]
    public void RefusesACorruptCompleteLineAndASecondWriter()
    {
        File.WriteAllText(_path, "{\"Id\":1,\"Name\":\"a\"}\nnot json\n");
        var e = Assert.Throws<FragilityException>(() => JsonLinesLog<Row>.Open(_path, Json, "Delete it."));
        Assert.Contains("Line 2", e.Message);
        Assert.EndsWith("Delete it.", e.Message);
        File.WriteAllText(_path, "");
        using var first = JsonLinesLog<Row>.Open(_path, Json);
        Assert.Throws<FragilityException>(() => JsonLinesLog<Row>.Open(_path, Json));
    }
}
