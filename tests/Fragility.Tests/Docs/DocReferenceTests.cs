using System.Text.RegularExpressions;
using Fragility.Tests.ScaleOut;

namespace Fragility.Tests.Docs;

/// <summary>Every citation of the project's documents in code (<c>docs/method.md §N</c>, <c>docs/platform.md §N</c>)
/// points into the repository, and each cited section exists as a numbered heading of that document.</summary>
public sealed partial class DocReferenceTests
{
    private static readonly string[] ScannedFolders = ["src", "tests", "benchmarks", "build"];
    private static readonly string[] ScannedExtensions = [".cs", ".csproj", ".props", ".targets"];

    /// <summary>A mention of either document, the path characters written before it, and the sections after it
    /// ("§4.1", "§3-4", "§2.6, §3").</summary>
    [GeneratedRegex(@"(?<path>[\w./\\-]*)(?<doc>method|platform)\.md(?<sections>(?:\s*(?:,|and)?\s*§\d+(?:\.\d+)*(?:-\d+(?:\.\d+)*)?)*)")]
    private static partial Regex Citation();

    [GeneratedRegex(@"§(?<from>\d+(?:\.\d+)*)(?:-(?<to>\d+(?:\.\d+)*))?")]
    private static partial Regex Section();

    /// <summary>"## 2. Explanations" gives 2, "### 2.3 DeepLIFT" gives 2.3.</summary>
    [GeneratedRegex(@"^#{1,6}\s+(?<number>\d+(?:\.\d+)*)\.?\s", RegexOptions.Multiline)]
    private static partial Regex NumberedHeading();

    /// <summary>The numbered headings of a Markdown document.</summary>
    private static HashSet<string> Headings(string markdown) =>
        NumberedHeading().Matches(markdown).Select(m => m.Groups["number"].Value).ToHashSet();

    /// <summary>What is wrong with the citations in <paramref name="text"/>, one line each ("where: problem").</summary>
    private static List<string> Problems(string text, string where, IReadOnlyDictionary<string, HashSet<string>> headings)
    {
        var problems = new List<string>();
        foreach (Match m in Citation().Matches(text))
        {
            string doc = m.Groups["doc"].Value;
            int line = text.AsSpan(0, m.Index).Count('\n') + 1;
            if (m.Groups["path"].Value != "docs/")
                problems.Add($"{where}:{line}: '{m.Value.Trim()}' must cite docs/{doc}.md (the copy inside the repository)");
            foreach (Match s in Section().Matches(m.Groups["sections"].Value))
                foreach (var number in new[] { s.Groups["from"].Value, s.Groups["to"].Value }.Where(n => n.Length > 0))
                    if (!headings[doc].Contains(number))
                        problems.Add($"{where}:{line}: docs/{doc}.md has no section {number}");
        }
        return problems;
    }

    private static Dictionary<string, HashSet<string>> RepositoryHeadings() => new()
    {
        ["method"] = Headings(File.ReadAllText(RepositoryFiles.Path("docs/method.md"))),
        ["platform"] = Headings(File.ReadAllText(RepositoryFiles.Path("docs/platform.md"))),
    };

    private static IEnumerable<string> ScannedFiles()
    {
        string root = RepositoryFiles.Root;
        foreach (var folder in ScannedFolders)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Split('/').Any(part => part is "bin" or "obj")) continue;
                if (ScannedExtensions.Contains(Path.GetExtension(file))) yield return relative;
            }
    }

    [Fact]
    public void EveryCitationInCode_PointsToDocsAndToASectionThatExists()
    {
        var headings = RepositoryHeadings();
        var problems = new List<string>();
        int citations = 0;
        foreach (var relative in ScannedFiles())
        {
            string text = File.ReadAllText(RepositoryFiles.Path(relative));
            citations += Citation().Count(text);
            problems.AddRange(Problems(text, relative, headings));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        // The code cites the documents about forty times; far fewer means the scan or the pattern broke.
        Assert.InRange(citations, 30, 1000);
    }

    [Fact]
    public void Headings_AreReadWithTheirNumbers()
    {
        var method = RepositoryHeadings()["method"];
        Assert.Contains("2", method);
        Assert.Contains("2.3", method);
        Assert.Contains("4.1", method);
        Assert.Contains("9", method);
        Assert.DoesNotContain("2.", method);
    }

    [Fact]
    public void TheCheck_RejectsACitationOutsideDocsAndAMissingSection()
    {
        var headings = RepositoryHeadings();
        // Built by concatenation so that the scan above does not read these examples as citations of this file.
        string md = ".md";
        Assert.Empty(Problems($"see docs/method{md} §4.1 and docs/method{md} §3-4, docs/platform{md} §2", "ok", headings));
        Assert.Single(Problems($"(method{md} §4)", "bare", headings));
        Assert.Single(Problems($"(§5 of method{md})", "after", headings));
        Assert.Single(Problems($"/work/shared/spec/platform{md}", "outside", headings));
        Assert.Single(Problems($"docs/method{md} §42", "missing", headings));
        Assert.Single(Problems($"docs/method{md} §3-42", "range", headings));
        Assert.Equal(2, Problems($"docs/method{md} §2.6, §77 and docs/platform{md} §99", "list", headings).Count);
    }
}
