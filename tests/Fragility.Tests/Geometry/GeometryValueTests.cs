using System.Globalization;
using Fragility.Experiments.Geometry;
using Fragility.Geometry;
using Fragility.IO;

namespace Fragility.Tests.Geometry;

/// <summary>The geometry experiments' tables hold the right values, not only the right files: the toy's first-order
/// change against its analytic expectation, E||w||₁ = d s √(2/π) (docs/method.md).</summary>
public sealed class GeometryValueTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"fragility-geometry-values-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void ToyTableAgreesWithTheAnalyticExpectationAndGrowsWithTheDimension()
    {
        ToyExperiment.Run(_dir, dimensions: [100, 2000], hidden: [1], epsilon255: 1, scale: 0.01, draws: 10);
        var table = CsvTable.Read(Path.Combine(_dir, "toy.csv"));
        double Cell(IReadOnlyList<string> row, string column) =>
            double.Parse(row[table.Header.ToList().IndexOf(column)], CultureInfo.InvariantCulture);
        Assert.Equal(2, table.Rows.Count);
        foreach (var row in table.Rows)
        {
            // ||w||₁ of d normal weights has relative spread about 0.76/√d per draw: 10 draws keep the mean within 5 %.
            double ratio = Cell(row, "mean_first_order") / Cell(row, "analytic_expected");
            Assert.InRange(ratio, 0.95, 1.05);
            Assert.Equal(10, Cell(row, "draws"));
        }
        var small = table.Rows.Single(r => Cell(r, "dimension") == 100);
        var large = table.Rows.Single(r => Cell(r, "dimension") == 2000);
        // First order in d: twenty times the dimension, about twenty times the change.
        Assert.InRange(Cell(large, "mean_first_order") / Cell(small, "mean_first_order"), 17, 23);
        Assert.True(Cell(large, "mean_relative_change") > Cell(small, "mean_relative_change"));
    }

    [Fact]
    public void ToyResult_RankOneDrawsEqualTheClosedForm_AndGroupsAreTheirMeans()
    {
        var result = ToyExperiment.Measure(dimensions: [50, 500], hidden: [1, 4], epsilon255: 2, scale: 0.02, draws: 3, seed: 5);
        Assert.Equal(2 * 2 * 3, result.Draws.Count);
        // The rank-one toy's map changes by exactly g'(z0 + eps ||w||_1) / g'(z0) - 1, along w: its ranking stays.
        foreach (var draw in result.Draws.Where(d => d.Hidden == 1))
        {
            Assert.True(Math.Abs(draw.RelativeChange - draw.Exact) <= 1e-9 * draw.Exact, $"d = {draw.Dimension}: measured {draw.RelativeChange}, closed form {draw.Exact}");
            Assert.Equal(1.0, draw.TopKIntersection);
        }
        Assert.Equal([(1, 50), (1, 500), (4, 50), (4, 500)], result.Groups.Select(g => (g.Hidden, g.Dimension)));
        foreach (var group in result.Groups)
        {
            var draws = result.Draws.Where(d => d.Hidden == group.Hidden && d.Dimension == group.Dimension).ToList();
            Assert.Equal(3, group.Draws);
            Assert.Equal(draws.Average(d => d.RelativeChange), group.RelativeChange, 15);
            Assert.Equal(draws.Average(d => d.TopKIntersection), group.TopKIntersection, 15);
            Assert.Equal(group.Hidden == 1, double.IsFinite(group.AnalyticExpected));
        }
        var summary = new ToyWriter().Summarise(result, _dir);
        Assert.Equal(result.Groups[1].RelativeChange / result.Groups[0].RelativeChange, summary.Numbers["rank_one_growth"], 12);
    }
}
