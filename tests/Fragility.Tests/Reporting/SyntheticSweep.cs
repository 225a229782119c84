using System.Text.Json;
using Fragility.IO;

namespace Fragility.Tests.Reporting;

/// <summary>Writes a small hand-made sweep folder (run.json, results.jsonl with a truncated last line, arrays/).</summary>
public static class SyntheticSweep
{
    /// <summary>
    /// A sweep folder: input 0 grey 8x8 (label 1 = the evil class), input 1 RGB 6x6, two methods (default gradient, ig),
    /// two attacks (default random, topk), two epsilons. <paramref name="dropOneArray"/> leaves out the perturbed input 1
    /// of the second method and attack at ε = 8.
    /// </summary>
    public static string Write(string sweep, string modelName, string evilClass, string evilItem, bool dropOneArray = false,
        string[]? methods = null, string[]? attacks = null)
    {
        string arrays = Path.Combine(sweep, "arrays");
        Directory.CreateDirectory(arrays);
        methods ??= ["gradient", "ig"];
        attacks ??= ["random", "topk"];
        double[] epsilons = [0.5, 8];
        var run = new Dictionary<string, object?>
        {
            ["command"] = "fragility sweep --output \"a&b\" --note '<i>'",
            ["model"] = modelName, ["architecture"] = "small-cnn", ["dataset"] = "sample", ["images"] = 2,
            ["methods"] = methods, ["attacks"] = attacks, ["epsilons"] = epsilons, ["k"] = 6,
            ["class_names"] = new[] { "T-shirt", evilClass },
            ["versions"] = new Dictionary<string, string> { ["fragility"] = "0.1.0", ["torchsharp"] = "0.107.0" },
        };
        File.WriteAllText(Path.Combine(sweep, "run.json"), JsonSerializer.Serialize(run));

        var lines = new List<string>();
        var rng = new Random(3);
        foreach (var (image, c, size) in new[] { (0, 1, 8), (1, 3, 6) })
        {
            var x = Enumerable.Range(0, c * size * size).Select(_ => (float)rng.NextDouble()).ToArray();
            NpyFile.Write(Path.Combine(arrays, $"x_{image}.npy"), x, c, size, size);
            foreach (var method in methods)
            {
                NpyFile.Write(Path.Combine(arrays, $"map_{image}_{method}.npy"),
                    Enumerable.Range(0, size * size).Select(i => (float)i).ToArray(), size, size);
                foreach (var attack in attacks)
                    foreach (var eps in epsilons)
                    {
                        string e = eps.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        var adv = x.Select(v => Math.Clamp(v + (float)(eps / 255 * (rng.Next(2) * 2 - 1)), 0f, 1f)).ToArray();
                        if (!(dropOneArray && image == 1 && method == methods[1] && attack == attacks[1] && eps == 8))
                            NpyFile.Write(Path.Combine(arrays, $"adv_{image}_{method}_{attack}_{e}.npy"), adv, c, size, size);
                        NpyFile.Write(Path.Combine(arrays, $"advmap_{image}_{method}_{attack}_{e}.npy"),
                            Enumerable.Range(0, size * size).Select(i => (float)(size * size - i)).ToArray(), size, size);
                        lines.Add(JsonSerializer.Serialize(new Dictionary<string, object?>
                        {
                            ["image"] = image, ["item"] = image == 0 ? evilItem : null, ["label"] = image, ["label_name"] = image == 0 ? "T-shirt" : evilClass,
                            ["method"] = method, ["attack"] = attack, ["epsilon"] = eps, ["k"] = 6,
                            ["topk_intersection"] = 1 - eps / 10, ["spearman"] = 0.9, ["center_shift"] = eps / 4,
                            ["label_after"] = image, ["label_kept"] = true, ["confidence_before"] = 0.9, ["confidence_after"] = 0.8,
                            ["linf"] = eps, ["failed"] = false,
                        }));
                    }
            }
        }
        File.WriteAllText(Path.Combine(sweep, "results.jsonl"), string.Join("\n", lines) + "\n{\"image\": 1, \"meth");
        return sweep;
    }

}
