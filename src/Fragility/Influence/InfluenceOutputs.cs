using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fragility.IO;

namespace Fragility.Influence;

/// <summary>
/// Files of the <c>influence</c> command: head.json (task, head, accuracy), influence.jsonl (one line per test point: top
/// helpful and harmful training points with their influence), influence.npy (the full influence vectors, tests x
/// training points, float64), a gallery PNG per test point, and loo.csv for leave-one-out validation.
/// </summary>
public static class InfluenceOutputs
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>What the head and its task are, as a JSON object (written to head.json).</summary>
    public static JsonObject HeadInfo(InfluenceSetup setup, string? modelPath)
    {
        var s = setup.Settings;
        return new JsonObject
        {
            ["model"] = modelPath ?? "(shipped)",
            ["architecture"] = setup.Model.Metadata.Architecture,
            ["feature_layer"] = "input of " + setup.Features.LastLayerName,
            ["feature_dimension"] = setup.Features.Dimension,
            ["classes"] = new JsonArray(setup.ClassNames.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
            ["class_indices"] = new JsonArray(setup.ClassIndices.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["head"] = setup.Head.Outputs == 1 ? "logistic regression" : "softmax regression",
            ["parameters"] = setup.Head.ParameterCount,
            ["train_per_class"] = s.TrainPerClass,
            ["train_points"] = setup.TrainingCount,
            ["l2"] = s.L2,
            ["solver"] = setup.Influence.Solver.Name,
            ["newton_iterations"] = setup.Training.Iterations,
            ["gradient_norm"] = setup.Training.GradientNorm,
            ["objective"] = setup.Training.Objective,
            ["train_accuracy"] = setup.TrainAccuracy,
            ["test_accuracy"] = setup.TestAccuracy,
            ["test_images"] = setup.TestImageCount,
            ["train_indices"] = new JsonArray(setup.TrainIndices.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()),
            ["convention"] = "I(z_i, z_t) = -grad L(z_t)^T H^-1 grad L(z_i); helpful: I < 0; removing z_i changes the test loss by about -(1/n) I",
        };
    }

    /// <summary>
    /// Explains <paramref name="tests"/> and writes head.json, influence.jsonl, influence.npy ([tests, n]; columns in the
    /// order of head.json's train_indices) and gallery/&lt;id&gt;.png (test image, top <paramref name="k"/> helpful and harmful)
    /// to <paramref name="outDir"/>. Returns the explanations.
    /// </summary>
    public static IReadOnlyList<InfluenceExplanation> WriteExplanations(InfluenceSetup setup, IReadOnlyList<InfluenceTestPoint> tests, string outDir, string? modelPath,
        int k = 5, int galleries = int.MaxValue, IProgress<Runtime.ProgressUpdate>? progress = null)
    {
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "head.json"), HeadInfo(setup, modelPath).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var explanations = new List<InfluenceExplanation>();
        var matrix = new double[tests.Count * setup.TrainingCount];
        using var lines = new StreamWriter(Path.Combine(outDir, "influence.jsonl"), false, new UTF8Encoding(false));
        for (int t = 0; t < tests.Count; t++)
        {
            var test = tests[t];
            var e = setup.Explain(test.Features, test.Label, k);
            explanations.Add(e);
            Array.Copy(e.Influence, 0, matrix, t * setup.TrainingCount, setup.TrainingCount);
            lines.WriteLine(ExplanationLine(setup, test, e).ToJsonString(Json));
            if (t < galleries)
                InfluenceGallery.Save([(GalleryTitle(setup, test, e), GalleryTiles(setup, test.Pixels, TestCaption(setup, test), e.Helpful, e.Harmful, e.Influence))],
                    Path.Combine(outDir, "gallery", SafeName(test.Id) + ".png"));
            progress?.Report(new Runtime.ProgressUpdate("explanations", t + 1, tests.Count));
        }
        NpyFile.Write(Path.Combine(outDir, "influence.npy"), matrix, tests.Count, setup.TrainingCount);
        return explanations;
    }

    /// <summary>The JSON line of one explanation.</summary>
    public static JsonObject ExplanationLine(InfluenceSetup setup, InfluenceTestPoint test, InfluenceExplanation e)
    {
        JsonArray Points(IEnumerable<int> positions) => new(positions.Select(i => (JsonNode?)new JsonObject
        {
            ["train_index"] = setup.TrainIndices[i],
            ["class"] = setup.ClassNames[setup.TrainLabels[i]],
            ["influence"] = e.Influence[i],
        }).ToArray());
        return new JsonObject
        {
            ["test"] = test.Id,
            ["dataset_index"] = test.DatasetIndex,
            ["label"] = test.Label,
            ["label_name"] = setup.ClassNames[test.Label],
            ["label_source"] = test.LabelSource,
            ["probability"] = e.Probabilities[test.Label],
            ["loss"] = e.Loss,
            ["head_label"] = Array.IndexOf(e.Probabilities.ToArray(), e.Probabilities.Max()),
            ["network_label"] = setup.Model.Metadata.ClassNames.ElementAtOrDefault(test.NetworkLabel) ?? test.NetworkLabel.ToString(CultureInfo.InvariantCulture),
            ["influence_norm"] = e.Norm,
            ["helpful"] = Points(e.Helpful),
            ["harmful"] = Points(e.Harmful),
        };
    }

    /// <summary>Gallery tiles: the test image, then the given helpful (green) and harmful (red) training points with their influence.</summary>
    public static IReadOnlyList<GalleryTile> GalleryTiles(InfluenceSetup setup, float[] testPixels, string testCaption, IReadOnlyList<int> helpful, IReadOnlyList<int> harmful, IReadOnlyList<double> influence)
    {
        var (c, h, w) = setup.TrainImages.ImageShape;
        var tiles = new List<GalleryTile> { new(testPixels, c, h, w, testCaption, "test image") };
        foreach (var i in helpful) tiles.Add(TrainTile(setup, i, influence[i], -1));
        foreach (var i in harmful) tiles.Add(TrainTile(setup, i, influence[i], 1));
        return tiles;
    }

    /// <summary>Tile of training point <paramref name="position"/> with its influence value.</summary>
    public static GalleryTile TrainTile(InfluenceSetup setup, int position, double value, int tone)
    {
        var (c, h, w) = setup.TrainImages.ImageShape;
        return new GalleryTile(setup.TrainingPixels(position), c, h, w, $"#{setup.TrainIndices[position]} {setup.ClassNames[setup.TrainLabels[position]]}",
            "I = " + value.ToString("G3", CultureInfo.InvariantCulture), tone);
    }

    /// <summary>Writes leave-one-out rows (one or more lambdas) as CSV through <see cref="CsvTable"/>.</summary>
    public static void WriteLeaveOneOut(IEnumerable<LeaveOneOutResult> results, IReadOnlyList<InfluenceTestPoint> tests, IReadOnlyList<int> trainIndices, string path) =>
        CsvTable.Write(path, ["l2", "test", "train_index", "side", "influence", "predicted_change", "actual_change"],
            results.SelectMany(r => r.Rows.Select(row => (IReadOnlyList<string>)
            [
                F(r.L2), tests[row.Test].Id, trainIndices[row.TrainingPoint].ToString(CultureInfo.InvariantCulture), row.Side,
                F(row.Influence), F(row.Predicted), F(row.Actual),
            ])));

    /// <summary>A file-system-safe version of a test id ("test:12" becomes "test-12").</summary>
    public static string SafeName(string id) => FileNames.Safe(id, '-');

    private static string TestCaption(InfluenceSetup setup, InfluenceTestPoint test) => $"{test.Id} {setup.ClassNames[test.Label]}";

    private static string GalleryTitle(InfluenceSetup setup, InfluenceTestPoint test, InfluenceExplanation e) =>
        $"{test.Id}: {setup.ClassNames[test.Label]} (p = {e.Probabilities[test.Label].ToString("F3", CultureInfo.InvariantCulture)}); " +
        $"green: most helpful (I < 0), red: most harmful (I > 0); removing z_i changes the test loss by about -I/{setup.TrainingCount}";

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
