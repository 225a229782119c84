using Fragility.Reporting;

namespace Fragility.Tests.Reporting;

public sealed class SweepSummaryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("summary-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteResults(params string[] lines)
    {
        string path = Path.Combine(_dir, ResultsFile.FileName);
        File.WriteAllText(path, string.Join("\n", lines));
        return path;
    }

    // Three inputs attacked with (ig, topk, 8); one of them failed and reports no metrics, so it counts as the
    // clean input (intersection 1, Spearman 1, shift 0). Plus one (gradient, random, 0.5) and one (gradient, random, 8).
    private static readonly string[] HandMade =
    [
        """{"image": 0, "label": 9, "method": "ig", "attack": "topk", "epsilon": 8, "k": 78, "topk_intersection": 0.2, "spearman": 0.5, "center_shift": 2.0, "label_after": 9, "confidence_before": 0.9, "confidence_after": 0.8, "linf": 8.0, "failed": false, "extra_field": [1, 2]}""",
        """{"image": 1, "label": 3, "method": "ig", "attack": "topk", "epsilon": 8, "k": 78, "topk_intersection": 0.4, "spearman": 0.7, "center_shift": 4.0, "label_after": 5, "confidence_before": 0.7, "confidence_after": 0.4, "linf": 7.5, "failed": false}""",
        """{"image": 2, "label": 1, "method": "ig", "attack": "topk", "epsilon": 8, "k": 78, "failed": true, "confidence_before": 0.8, "confidence_after": 0.8, "linf": 0}""",
        "",
        """{"image": 0, "label": 9, "method": "gradient", "attack": "random", "epsilon": 0.5, "topk_intersection": 0.9, "spearman": 0.95, "kendall": 0.8, "center_shift": 0.1, "label_kept": true}""",
        """{"image": 0, "label": 9, "method": "gradient", "attack": "random", "epsilon": 8, "topk_intersection": 0.6, "spearman": 0.9, "center_shift": 0.5, "label_kept": true}""",
    ];

    [Fact]
    public void Compute_MeansAndSampleStds_MatchHandComputation_WithFailedAttackAsCleanInput()
    {
        var results = ResultsFile.Read(WriteResults(HandMade));
        var summary = SweepSummary.Compute(results.Records);
        var row = summary.Find("ig", "topk", 8)!;

        Assert.Equal(3, row.Images);
        Assert.Equal(1, row.Failures);
        // top-k: 0.2, 0.4 and 1 (failed = clean) -> mean 1.6/3; deviations -1/3, -2/15, 7/15 -> sum of squares 0.3733.../2
        Assert.Equal(1.6 / 3, row.TopkIntersectionMean, 12);
        Assert.Equal(Math.Sqrt((1.0 / 9 + 4.0 / 225 + 49.0 / 225) / 2), row.TopkIntersectionStd, 12);
        // Spearman: 0.5, 0.7, 1 -> mean 2.2/3; shift: 2, 4, 0 -> mean 2, sample std 2
        Assert.Equal(2.2 / 3, row.SpearmanMean, 12);
        Assert.Equal(2.0, row.CenterShiftMean, 12);
        Assert.Equal(2.0, row.CenterShiftStd, 12);
        // Labels: kept, changed (3 -> 5), failed (clean input, kept) -> 2/3.
        Assert.Equal(2.0 / 3, row.LabelKeptRate, 12);
        Assert.Equal(0.8, row.ConfidenceBeforeMean, 12);
        Assert.Equal(2.0 / 3, row.ConfidenceAfterMean, 12);
        Assert.Equal(15.5 / 3, row.LinfMean, 12);
        Assert.Equal(8.0, row.LinfMax);
        Assert.Equal(78, row.K);
        Assert.True(double.IsNaN(row.KendallMean)); // no record of this cell reports Kendall

        var single = summary.Find("gradient", "random", 0.5)!;
        Assert.Equal(1, single.Images);
        Assert.Equal(0.9, single.TopkIntersectionMean);
        Assert.True(double.IsNaN(single.TopkIntersectionStd)); // one value: no sample standard deviation
        Assert.Equal(0.8, single.KendallMean);
        Assert.Equal(1.0, single.LabelKeptRate);
    }

    [Fact]
    public void Compute_OrdersRowsByRunOrderThenAttackThenAscendingEpsilon()
    {
        var records = ResultsFile.Read(WriteResults(HandMade)).Records;
        var summary = SweepSummary.Compute(records, methodOrder: ["gradient", "ig"], attackOrder: ["random", "topk"]);
        Assert.Equal(
            new[] { ("gradient", "random", 0.5), ("gradient", "random", 8.0), ("ig", "topk", 8.0) },
            summary.Rows.Select(r => (r.Method, r.Attack, r.Epsilon)));
        Assert.Equal(new[] { "gradient", "ig" }, summary.Methods);
        Assert.Equal(new[] { 0.5, 8.0 }, summary.Epsilons);

        // Without an order, names follow their first appearance in the results.
        Assert.Equal("ig", SweepSummary.Compute(records).Rows[0].Method);
    }

    [Fact]
    public void ToCsv_HasTheContractHeader_AndRoundTripNumbers()
    {
        var summary = SweepSummary.Compute(ResultsFile.Read(WriteResults(HandMade)).Records, ["gradient", "ig"]);
        string path = Path.Combine(_dir, "out", SweepSummary.FileName);
        summary.WriteCsv(path);
        var lines = File.ReadAllLines(path);
        Assert.StartsWith(
            "method,attack,epsilon,images,topk_intersection_mean,topk_intersection_std,spearman_mean,spearman_std,center_shift_mean,center_shift_std,label_kept_rate,failures",
            lines[0]);
        Assert.Equal(4, lines.Length);
        var header = lines[0].Split(',');
        var first = lines[1].Split(',');
        Assert.Equal(header.Length, first.Length);
        Assert.Equal("gradient", first[0]);
        Assert.Equal("0.5", first[Array.IndexOf(header, "epsilon")]);
        Assert.Equal("", first[Array.IndexOf(header, "topk_intersection_std")]); // undefined for one input
        var ig = lines[3].Split(',');
        Assert.Equal(1.6 / 3, double.Parse(ig[Array.IndexOf(header, "topk_intersection_mean")], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("1", ig[Array.IndexOf(header, "failures")]);
    }

    [Fact]
    public void Read_TruncatedLastLine_IsIgnoredWithAWarning()
    {
        var results = ResultsFile.Read(WriteResults([.. HandMade, """{"image": 3, "method": "ig", "attack": "to"""]));
        Assert.Equal(5, results.Records.Count);
        Assert.Contains(results.Warnings, w => w.Contains("line 7", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_CorruptMiddleLine_IsAnErrorNamingTheLine()
    {
        string[] lines = [HandMade[0], "{\"image\": 1, \"method\": \"ig\", oops", HandMade[1]];
        var e = Assert.Throws<FragilityException>(() => ResultsFile.Read(WriteResults(lines)));
        Assert.Contains("line 2", e.Message);

        string[] noMethod = [HandMade[0], """{"image": 1, "attack": "topk", "epsilon": 8}""", HandMade[1]];
        Assert.Contains("line 2", Assert.Throws<FragilityException>(() => ResultsFile.Read(WriteResults(noMethod))).Message);
    }

    [Fact]
    public void Read_RepeatedRecord_LaterLineWins()
    {
        string again = HandMade[0].Replace("\"topk_intersection\": 0.2", "\"topk_intersection\": 0.3");
        var results = ResultsFile.Read(WriteResults([.. HandMade, again]));
        Assert.Equal(5, results.Records.Count);
        Assert.Equal(0.3, results.Records.Single(r => r.Image == 0 && r.Method == "ig").TopkIntersection);
        Assert.Single(results.Warnings);
    }

    [Fact]
    public void Read_MissingFile_NamesTheFix()
    {
        var e = Assert.Throws<FragilityException>(() => ResultsFile.Read(Path.Combine(_dir, "nope")));
        Assert.Contains("sweep", e.Message);
    }

    [Fact]
    public void Read_NaNLiteralsAndUnknownFields_AreAccepted()
    {
        var results = ResultsFile.Read(WriteResults(
            """{"image": 4, "method": "m", "attack": "a", "epsilon": "2", "spearman": "NaN", "topk_intersection": 0.5, "new": {"x": 1}}""",
            """{"image": 5, "method": "m", "attack": "a", "epsilon": 2, "spearman": 0.25, "topk_intersection": 0.7}"""));
        var row = SweepSummary.Compute(results.Records).Rows.Single();
        Assert.Equal(2, row.Images);
        Assert.Equal(0.25, row.SpearmanMean); // the NaN value is left out of the mean
        Assert.Equal(0.6, row.TopkIntersectionMean, 12);
    }
}
