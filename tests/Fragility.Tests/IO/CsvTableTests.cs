using System.Text;
using System.Text.RegularExpressions;
using Fragility.IO;
using Fragility.Reporting;

namespace Fragility.Tests.IO;

public sealed class CsvTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("csv-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Names that broke the hand-written quoting: separators, quotes, both line endings, a lone CR, non-ASCII,
    // leading and trailing spaces, and empty cells at the ends of a row.
    private static readonly string[] Header = ["method, with comma", "say \"hi\"", "multi\nline", "ünïcødé ρ ∩ 日本"];

    private static readonly string[][] Rows =
    [
        ["a,b", "\"quoted\"", "line 1\nline 2", "crlf 1\r\ncrlf 2"],
        ["", " spaced ", "lone\rcr", "ρ = 0.5; ∩ top-k"],
        ["\"", ",", "\n", ""],
        ["plain", "0.1", "-3E-05", "sep=;"],
    ];

    [Fact]
    public void Write_ThenRead_GivesBackEveryCellExactly()
    {
        string path = Path.Combine(_dir, "sub", "table.csv");
        CsvTable.Write(path, Header, Rows);

        var read = CsvTable.Read(path);

        Assert.Equal(Header, read.Header);
        Assert.Equal(Rows.Length, read.Rows.Count);
        for (int i = 0; i < Rows.Length; i++) Assert.Equal(Rows[i], read.Rows[i]);
    }

    [Fact]
    public void Write_QuotesOnlyWhatNeedsIt_WithLfLineEndsAndNoByteOrderMark()
    {
        string path = Path.Combine(_dir, "plain.csv");
        CsvTable.Write(path, ["name", "value"], [["top-k, 10%", "0.25"], ["say \"x\"", ""], ["ρ", "1"]]);

        byte[] bytes = File.ReadAllBytes(path);
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal("name,value\n\"top-k, 10%\",0.25\n\"say \"\"x\"\"\",\nρ,1\n", Encoding.UTF8.GetString(bytes));
        Assert.Equal(File.ReadAllText(path), CsvTable.Format(["name", "value"], [["top-k, 10%", "0.25"], ["say \"x\"", ""], ["ρ", "1"]]));
    }

    [Fact]
    public void Write_ReplacesAnOldFile_AndLeavesNoTemporaryFile()
    {
        string path = Path.Combine(_dir, "t.csv");
        File.WriteAllText(path, "old,file,with,more,columns\n1,2,3,4,5\n");
        CsvTable.Write(path, ["a"], [["1"]]);

        Assert.Equal("a\n1\n", File.ReadAllText(path));
        Assert.Equal(["t.csv"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_RowWithAnotherCellCount_IsRefused_AndTheOldFileStays()
    {
        string path = Path.Combine(_dir, "t.csv");
        CsvTable.Write(path, ["a", "b"], [["1", "2"]]);
        Assert.Throws<InvalidOperationException>(() => CsvTable.Write(path, ["a", "b"], [["1", "2", "3"]]));
        Assert.Equal("a,b\n1,2\n", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Write_SingleEmptyCell_IsNotReadAsAnEmptyLine()
    {
        string path = Path.Combine(_dir, "one.csv");
        CsvTable.Write(path, ["only"], [[""], ["x"]]);
        var read = CsvTable.Read(path);
        Assert.Equal([[""], ["x"]], read.Rows.Select(r => r.ToArray()).ToArray());
    }

    [Fact]
    public void Read_HandWrittenFile_CrlfBomAndBlankLines()
    {
        string path = Path.Combine(_dir, "hand.csv");
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes("a;b,c\r\n\r\n\"x\r\ny\",2\r\n")]);
        var read = CsvTable.Read(path);
        Assert.Equal(["a;b", "c"], read.Header);
        Assert.Equal([["x\r\ny", "2"]], read.Rows.Select(r => r.ToArray()).ToArray());
    }

    [Fact]
    public void Read_EmptyFile_HasNoHeaderAndNoRows()
    {
        string path = Path.Combine(_dir, "empty.csv");
        File.WriteAllText(path, "");
        var read = CsvTable.Read(path);
        Assert.Empty(read.Header);
        Assert.Empty(read.Rows);
    }

    [Fact]
    public void FolderSection_QuotedNewline_IsOneCellOfOneRow()
    {
        string section = Path.Combine(_dir, "section");
        CsvTable.Write(Path.Combine(section, "table.csv"), ["name", "value"],
            [["first line\nsecond, line", "1"], ["\"quoted\" ρ", "2"]]);

        var html = new HtmlBuilder();
        new FolderSection(section).WriteBody(html);
        string text = html.ToString();

        Assert.Contains("<th>name</th><th>value</th>", text);
        Assert.Contains("<tr><td>first line\nsecond, line</td><td>1</td></tr>", text);
        Assert.Contains($"<tr><td>{HtmlBuilder.Encode("\"quoted\" ρ")}</td><td>2</td></tr>", text);
        // Two data rows of two cells: the quoted newline did not start a row of its own.
        Assert.Equal(2, Regex.Matches(text, "<tr><td>").Count);
        Assert.Equal(4, Regex.Matches(text, "<td>").Count);
    }
}
