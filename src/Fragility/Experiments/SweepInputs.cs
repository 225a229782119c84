using Fragility.Attacks;
using Fragility.Data;
using Fragility.Models;
using TorchSharp;

namespace Fragility.Experiments;

/// <summary>Chooses the inputs of a sweep: the first N test images, in data-set order, that the model classifies
/// correctly (the paper attacks correctly classified images only). Labels are matched to the model's classes by
/// name; an image without a known label (a flat folder of photos, or class folders that are not the model's classes)
/// is taken as it is, and its predicted label is the one explained and attacked.</summary>
public static class SweepInputs
{
    /// <summary>The first <paramref name="count"/> images of <paramref name="dataset"/> whose label the model predicts
    /// (on its ReLU network); fewer when the data set has fewer.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="dataset">Test images in data-set order with their true labels.</param>
    /// <param name="count">How many to select.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    public static SelectedInputs FirstCorrect(Classifier model, ImageDataset dataset, int count, int batchSize = 256)
    {
        var chosen = new List<int>();
        int scanned = 0;
        var toModel = LabelMap(model, dataset);
        using (model.UseRelu())
        {
            for (int start = 0; start < dataset.Count && chosen.Count < count; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                int n = Math.Min(batchSize, dataset.Count - start);
                var (labels, _) = Predictions.Of(model, dataset.Images.narrow(0, start, n));
                for (int i = 0; i < n && chosen.Count < count; i++)
                {
                    scanned = start + i + 1;
                    long truth = toModel(dataset.Labels[start + i]);
                    if (truth < 0 || labels[i] == truth) chosen.Add(start + i);
                }
            }
        }
        return new SelectedInputs(dataset.Subset(chosen), chosen, dataset.Name, scanned);
    }

    /// <summary>
    /// Every usable image of <paramref name="dataset"/> in a stratified, seeded order, so that the first n of it are a
    /// sample stratified over classes for any n: images whose known label the model gets wrong are left out; an image
    /// without a known label is kept with its predicted label. Within each class the images are shuffled with
    /// <paramref name="seed"/>; the order then takes one image of each class in turn (classes by index), so classes
    /// are represented as evenly as they can be.
    /// </summary>
    /// <param name="model">The classifier.</param>
    /// <param name="dataset">The images, with labels where known.</param>
    /// <param name="seed">Seed of the shuffle within classes.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <returns>Data-set positions in the stratified order, the label used for each (true or predicted), and how many
    /// images had a known label and how many of those the model got right.</returns>
    public static (IReadOnlyList<int> Order, IReadOnlyDictionary<int, long> Label, int Labelled, int Correct) Stratified(Classifier model, ImageDataset dataset,
        int seed, int batchSize = 64)
    {
        int labelled = 0, correct = 0;
        var toModel = LabelMap(model, dataset);
        var byClass = new SortedDictionary<long, List<int>>();
        var label = new Dictionary<int, long>();
        using (model.UseRelu())
        {
            for (int start = 0; start < dataset.Count; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                int n = Math.Min(batchSize, dataset.Count - start);
                var (predicted, _) = Predictions.Of(model, dataset.Images.narrow(0, start, n));
                for (int i = 0; i < n; i++)
                {
                    long truth = toModel(dataset.Labels[start + i]);
                    if (truth >= 0) labelled++;
                    if (truth >= 0 && predicted[i] != truth) continue;
                    if (truth >= 0) correct++;
                    long used = truth >= 0 ? truth : predicted[i];
                    label[start + i] = used;
                    if (!byClass.TryGetValue(used, out var members)) byClass[used] = members = [];
                    members.Add(start + i);
                }
            }
        }
        var random = new Random(seed);
        var queues = byClass.Values.Select(members =>
        {
            var shuffled = members.ToArray();
            random.Shuffle(shuffled);
            return new Queue<int>(shuffled);
        }).ToList();
        var order = new List<int>(label.Count);
        while (queues.Count > 0)
        {
            foreach (var q in queues) order.Add(q.Dequeue());
            queues.RemoveAll(q => q.Count == 0);
        }
        return (order, label, labelled, correct);
    }

    /// <summary>Maps a data-set label to the model's class index: the same index when the class names agree (or the
    /// data set has none), else by class name (case-insensitive); -1 when unknown.</summary>
    private static Func<long, long> LabelMap(Classifier model, ImageDataset dataset)
    {
        var modelNames = model.Metadata.ClassNames;
        var dataNames = dataset.ClassNames;
        if (dataNames.Count == 0 || dataNames.SequenceEqual(modelNames)) return l => l;
        var byName = modelNames.Select((n, i) => (n, i)).GroupBy(t => t.n, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => (long)g.First().i, StringComparer.OrdinalIgnoreCase);
        var map = dataNames.Select(n => byName.TryGetValue(n, out long i) ? i : -1L).ToArray();
        return l => l >= 0 && l < map.Length ? map[l] : -1;
    }

    /// <summary>
    /// Loads the test split of a data set just far enough to find <paramref name="count"/> correctly classified
    /// images (reading more of it, in growing chunks, only when needed), so that large image folders are not read
    /// whole. A <see cref="FragilityException"/> when the whole split has fewer.
    /// </summary>
    /// <param name="model">The classifier.</param>
    /// <param name="datasetName">Data set name (see <see cref="DatasetCatalog.Names"/>).</param>
    /// <param name="dataDir">Its folder, or null for the default location.</param>
    /// <param name="options">Image geometry for folders.</param>
    /// <param name="count">How many correctly classified images are needed.</param>
    public static SelectedInputs Load(Classifier model, string datasetName, string? dataDir, ImageLoadOptions options, int count)
    {
        int limit = Math.Max(64, count + count / 4 + 16);
        while (true)
        {
            var data = DatasetCatalog.Load(datasetName, DatasetSplit.Test, dataDir, options, limit);
            try
            {
                var p = model.Metadata.Preprocessing;
                var (c, h, w) = data.ImageShape;
                if (c != p.Channels || h != p.Height || w != p.Width)
                    throw new FragilityException($"Data set '{datasetName}' has images of {c}x{h}x{w} but the model expects {p.Channels}x{p.Height}x{p.Width}. Choose the data set the model was trained for.");
                bool exhausted = data.Count < limit;
                var selected = FirstCorrect(model, data, count);
                if (selected.Count == count) return selected;
                int found = selected.Count;
                selected.Dispose();
                if (exhausted)
                    throw new FragilityException($"Only {found} of the {data.Count} test images of '{datasetName}' are classified correctly, fewer than --images {count}: ask for fewer images.");
                limit = checked(limit * 2);
            }
            finally { data.Dispose(); }
        }
    }
}
