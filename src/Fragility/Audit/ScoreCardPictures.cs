using System.Globalization;
using Fragility.Attacks;
using Fragility.Experiments;
using Fragility.IO;
using Fragility.Reporting;

namespace Fragility.Audit;

/// <summary>The score card's pictures, drawn from the sweep's arrays: each method's worst case before and after its
/// attack, and what each epsilon looks like on the audited images (with its measured PSNR).</summary>
internal static class ScoreCardPictures
{
    /// <summary>The folder of the pictures in the audit folder.</summary>
    public const string Folder = "scorecard";

    public static ScoreCard Draw(ScoreCard card, AuditPlan plan)
    {
        string dir = plan.Directory;
        Directory.CreateDirectory(Path.Combine(dir, Folder));
        var p = plan.Inputs.Images.ImageShape;
        var worst = card.WorstCases.Select(w =>
        {
            string? picture = null;
            var arrays = new[]
            {
                SweepFiles.CleanImage(w.Image), SweepFiles.Perturbed(w.Image, w.Method, w.Attack, card.VerdictEpsilon),
                SweepFiles.CleanMap(w.Image, w.Method), SweepFiles.PerturbedMap(w.Image, w.Method, w.Attack, card.VerdictEpsilon),
            };
            if (arrays.All(a => File.Exists(Path.Combine(dir, a))))
            {
                var v = arrays.Select(a => NpyFile.ReadSingle(Path.Combine(dir, a), out _)).ToArray();
                picture = Path.Combine(Folder, $"worst_{FileNames.Safe(w.Method)}.png");
                var options = HeatmapRenderer.MarkedOptions(p.Height, p.Width, card.K);
                HeatmapRenderer.Save(HeatmapRenderer.RenderBeforeAfter(v[0], v[1], p.Channels, p.Height, p.Width, v[2], v[3], options),
                    Path.Combine(dir, picture));
            }
            return w with { Picture = picture };
        }).ToList();
        return card with { WorstCases = worst, Perturbations = Looks(card, plan) };
    }

    /// <summary>Per epsilon: the mean PSNR of the random-sign perturbations kept as arrays; and one picture of the first
    /// such image, clean and with the noise of each epsilon, side by side.</summary>
    private static IReadOnlyList<PerturbationLook> Looks(ScoreCard card, AuditPlan plan)
    {
        string dir = plan.Directory;
        string method = plan.GridMethods[0];
        var (c, h, w) = plan.Inputs.Images.ImageShape;
        int scale = HeatmapRenderer.AutoScale(h, w);
        var images = plan.Inputs.Indices.Take(plan.Sweep.ArrayImages).ToList();
        var panels = new List<(string Caption, byte[] Png)>();
        var psnr = new Dictionary<double, List<double>>();
        foreach (int image in images)
        {
            string cleanPath = Path.Combine(dir, SweepFiles.CleanImage(image));
            if (!File.Exists(cleanPath)) continue;
            var clean = NpyFile.ReadSingle(cleanPath, out _);
            bool first = panels.Count == 0;
            if (first) panels.Add(("clean", HeatmapRenderer.RenderImage(clean, c, h, w, scale)));
            foreach (double eps in card.Epsilons)
            {
                string noisyPath = Path.Combine(dir, SweepFiles.Perturbed(image, method, AttackNames.Random, eps));
                if (!File.Exists(noisyPath)) continue;
                var noisy = NpyFile.ReadSingle(noisyPath, out _);
                double mse = 0;
                for (int i = 0; i < clean.Length; i++) mse += (clean[i] - noisy[i]) * (double)(clean[i] - noisy[i]);
                mse /= clean.Length;
                if (mse > 0) (psnr.TryGetValue(eps, out var list) ? list : psnr[eps] = []).Add(10 * Math.Log10(1 / mse));   // pixels in [0, 1]: the peak is 1
                if (first) panels.Add(($"± {eps.ToString("0.##", CultureInfo.InvariantCulture)}/255", HeatmapRenderer.RenderImage(noisy, c, h, w, scale)));
            }
        }
        string? picture = null;
        if (panels.Count > 1)
        {
            picture = Path.Combine(Folder, "epsilons.png");
            HeatmapRenderer.Save(HeatmapRenderer.RenderStrip(panels), Path.Combine(dir, picture));
        }
        return card.Epsilons.Select(e => new PerturbationLook(e, psnr.TryGetValue(e, out var v) ? v.Average() : double.NaN, picture)).ToList();
    }

}
