using Fragility.Experiments.Geometry;
using Fragility.Geometry;
using Fragility.Tests.Cli;

namespace Fragility.Tests.ScaleOut;

/// <summary>
/// <c>fragility geometry angles|spectrum|transfer|lipschitz|dimension --jobs 2</c>: two real worker processes each
/// measure whole batches of the images (or whole models) and the parent combines their parts into the folder one
/// process writes, file for file and byte for byte (tables, section text and figures). This holds only if each worker
/// draws the Lanczos start vectors and the seeds of its batches exactly as the single run does.
/// </summary>
[Collection("console")]
public sealed class GeometryJobsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("fragility-geometry-jobs-").FullName;

    // 10 images in batches of 4: three batches, the last one short, so the second worker owns a partial batch.
    // Whole models, one each: the shipped model and a copy of it (--model-dir), and a model trained per size.
    [Theory]
    [InlineData("angles", "--dataset", "sample", "--images", "10", "--batch-size", "4", "--lanczos-steps", "4")]
    [InlineData("spectrum", "--dataset", "sample", "--images", "10", "--batch-size", "4", "--betas", "1,4", "--lanczos-steps", "4", "--iterations", "2")]
    [InlineData("transfer", "--dataset", "sample", "--images", "10", "--batch-size", "4", "--iterations", "2", "--targets", "shipped", "--attack", "mass_center")]
    [InlineData("lipschitz", "--model-dir", "COPY", "--dataset", "sample", "--images", "2", "--iterations", "2", "--ascent-iterations", "2")]
    [InlineData("dimension", "--sizes", "14,28", "--train-images", "64", "--images", "2", "--iterations", "2")]
    public void TwoWorkers_WriteTheSingleProcessFolder(params string[] options)
    {
        string copies = Path.Combine(_root, "models");
        Directory.CreateDirectory(copies);
        File.Copy(Fragility.Models.ModelStore.ShippedModelPath(), Path.Combine(copies, "copy.safetensors"), overwrite: true);
        string[] study = ["geometry", .. options.Select(o => o == "COPY" ? copies : o)];
        string one = Path.Combine(_root, study[1] + "-one"), two = Path.Combine(_root, study[1] + "-two");
        var single = CliHarness.Run([.. study, "--jobs", "1", "--out", one]);
        Assert.True(single.Code == 0, single.Out + single.Err);
        Assert.DoesNotContain("worker", single.Out);
        var jobs = CliHarness.Run([.. study, "--jobs", "2", "--out", two]);
        Assert.True(jobs.Code == 0, jobs.Out + jobs.Err);
        Assert.Contains("Running 2 worker processes, each a shard of the ", jobs.Out);

        // A trained model file records its own command line and time; what it did is in the study's tables.
        static List<string> Files(string dir) => Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f))
            .Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var files = Files(one);
        Assert.Contains("section.json", files);
        Assert.Contains(files, f => f.EndsWith(".png", StringComparison.Ordinal));
        Assert.Equal(files, Files(two));
        foreach (string f in files)
            Assert.True(File.ReadAllBytes(Path.Combine(one, f)).SequenceEqual(File.ReadAllBytes(Path.Combine(two, f))), $"{f} differs between --jobs 1 and --jobs 2");
    }

    [Fact]
    public void Parts_MustCoverEveryImageOnce()
    {
        IReadOnlyList<int>[] halves = [[0, 1], [2, 3]];
        Assert.Equal([0, 1, 2, 3], GeometryParts.InOrder(halves.Reverse(), i => i, 4));
        var missing = Assert.Throws<FragilityException>(() => GeometryParts.InOrder([halves[0]], i => i, 4));
        Assert.Contains("2 of 4 images", missing.Message);
        Assert.Throws<FragilityException>(() => GeometryParts.InOrder([halves[0], halves[0]], i => i, 4));
        // Parts of consecutive rows from a first position on, in any order.
        (int, IReadOnlyList<string>)[] rows = [(2, ["c", "d"]), (0, ["a", "b"])];
        Assert.Equal(["a", "b", "c", "d"], GeometryParts.Consecutive(rows, 4));
        Assert.Throws<FragilityException>(() => GeometryParts.Consecutive(rows, 5));
        Assert.Throws<FragilityException>(() => GeometryParts.Consecutive([rows[0]], 4));
    }

    [Fact]
    public void ImageRange_IsWholeBatches()
    {
        Assert.Equal((0, 10), BatchRange.Of(10, 4, null));
        Assert.Equal((8, 10), BatchRange.Of(10, 4, (8, 2)));
        Assert.Equal((4, 8), BatchRange.Of(10, 4, (4, 4)));
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchRange.Of(10, 4, (2, 4)));   // not on a batch boundary
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchRange.Of(10, 4, (4, 3)));   // a cut batch
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchRange.Of(10, 4, (8, 4)));   // past the end
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
