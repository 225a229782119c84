using Fragility.Cli.Infrastructure;
using Fragility.Reporting;
using Spectre.Console;

namespace Fragility.Tests.Cli;

/// <summary>The summary table keeps to the console's width without wrapping a cell inside a word.</summary>
public sealed class SummaryTableTests
{
    private static readonly string[] Methods = ["gradient", "integrated_gradients", "smoothgrad"];
    private static readonly string[] Attacks = ["random_sign", "topk", "mass_center"];

    [Fact]
    public void At80Columns_EveryLineFits_AndEveryNameStaysWhole()
    {
        var lines = Render(80);
        Assert.All(lines, l => Assert.InRange(l.Length, 0, 80));
        foreach (string name in Methods.Concat(Attacks))
            Assert.Contains(lines, l => l.Contains(" " + name + " ", StringComparison.Ordinal));
        // The attack's headline metric stays; the columns left out are named.
        Assert.Contains(lines, l => l.Contains("top-k ∩", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("(left out to fit 80 columns: images", StringComparison.Ordinal));
    }

    [Fact]
    public void WhenWide_AllColumnsAreShown()
    {
        var lines = Render(140);
        Assert.Contains(lines, l => l.Contains("images", StringComparison.Ordinal) && l.Contains("failed", StringComparison.Ordinal)
            && l.Contains("Spearman", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("(left out", StringComparison.Ordinal));
    }

    private static List<string> Render(int width)
    {
        var rows = from m in Methods
                   from a in Attacks
                   select new SummaryRow
                   {
                       Method = m, Attack = a, Epsilon = 8, Images = 1000, TopkIntersectionMean = 0.39123,
                       SpearmanMean = 0.4567, CenterShiftMean = 12.345, LabelKeptRate = 1, Failures = 12,
                   };
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        SummaryTable.Write(console, rows.ToList(), width);
        return output.ToString().Split('\n').Select(l => l.TrimEnd('\r', ' ')).ToList();
    }
}
