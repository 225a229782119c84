using Fragility.Data;

namespace Fragility.Tests.Data;

public class Cifar10ReaderTests
{
    private static List<(byte Label, byte[] Pixels)> Records(int count, int seed) =>
        Enumerable.Range(0, count).Select(i => ((byte)((seed + i) % 10), DataFiles.RandomBytes(3072, seed * 100 + i))).ToList();

    [Fact]
    public void TrainAndTest_ReadRecordsInFileOrder_AsRgbPlanes()
    {
        using var dir = new TempFolder();
        var train = new List<(byte Label, byte[] Pixels)>();
        for (int b = 1; b <= 5; b++)
        {
            var recs = Records(b % 2 == 0 ? 2 : 3, seed: b);
            DataFiles.WriteCifarBatch(dir.File($"data_batch_{b}.bin"), recs);
            train.AddRange(recs);
        }
        var test = Records(2, seed: 9);
        DataFiles.WriteCifarBatch(dir.File("test_batch.bin"), test);
        File.WriteAllText(dir.File("batches.meta.txt"), "plane\ncar\n\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");

        using var ds = DatasetCatalog.Load("cifar10", DatasetSplit.Train, dir.Path);
        Assert.Equal(new long[] { train.Count, 3, 32, 32 }, ds.Images.shape);
        Assert.Equal(train.Select(r => (long)r.Label), ds.Labels);
        Assert.Equal(["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"], ds.ClassNames);
        var values = ds.Images.data<float>().ToArray();
        // Record byte 1 + c*1024 + y*32 + x is channel c, row y, column x.
        for (int n = 0; n < train.Count; n++)
            foreach (var (c, y, x) in new[] { (0, 0, 0), (1, 5, 7), (2, 31, 31), (0, 31, 0), (2, 0, 31) })
                Assert.Equal(train[n].Pixels[c * 1024 + y * 32 + x] / 255f, values[n * 3072 + c * 1024 + y * 32 + x]);

        using var limited = DatasetCatalog.Load("cifar10", DatasetSplit.Train, dir.Path, limit: 4); // spans batches 1 and 2
        Assert.Equal(train.Take(4).Select(r => (long)r.Label), limited.Labels);
        Assert.Equal(values[..(4 * 3072)], limited.Images.data<float>().ToArray());

        using var testSet = DatasetCatalog.Load("cifar10", DatasetSplit.Test, dir.Path);
        Assert.Equal(test.Select(r => (long)r.Label), testSet.Labels);
        Assert.Equal(test[1].Pixels[3071] / 255f, testSet.Images[1, 2, 31, 31].item<float>());
    }

    [Fact]
    public void MissingMetaFile_GivesStandardNames_AndNestedFolderIsFound()
    {
        using var dir = new TempFolder();
        DataFiles.WriteCifarBatch(dir.File("cifar-10-batches-bin", "test_batch.bin"), Records(2, seed: 3));
        using var ds = Cifar10Reader.Load(dir.Path, DatasetSplit.Test);
        Assert.Equal(2, ds.Count);
        Assert.Equal("airplane", ds.ClassNames[0]);
        Assert.Equal("truck", ds.ClassNames[9]);
    }

    [Fact]
    public void BadLength_LabelOutOfRange_AndMissingFile_ThrowFragilityException_NamingFile()
    {
        using var dir = new TempFolder();
        string test = dir.File("test_batch.bin");
        File.WriteAllBytes(test, new byte[3073 * 2 - 1]);
        var e = Assert.Throws<FragilityException>(() => Cifar10Reader.Load(dir.Path, DatasetSplit.Test));
        Assert.Contains(test, e.Message);
        Assert.Contains("3073", e.Message);

        var recs = Records(2, seed: 1);
        recs[1] = (10, recs[1].Pixels);
        DataFiles.WriteCifarBatch(test, recs);
        e = Assert.Throws<FragilityException>(() => Cifar10Reader.Load(dir.Path, DatasetSplit.Test));
        Assert.Contains("label 10", e.Message);
        Assert.Contains(test, e.Message);

        e = Assert.Throws<FragilityException>(() => Cifar10Reader.Load(dir.Path, DatasetSplit.Train));
        Assert.Contains("data_batch_1.bin", e.Message);
        Assert.Contains("not found", e.Message);

        e = Assert.Throws<FragilityException>(() => DatasetCatalog.Load("cifar10", DatasetSplit.Test, null));
        Assert.Contains("--data", e.Message);
    }
}
