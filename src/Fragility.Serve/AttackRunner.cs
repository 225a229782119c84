using System.Diagnostics;
using Fragility.Attacks;
using Fragility.Metrics;
using Fragility.Reporting;
using TorchSharp;

namespace Fragility.Serve;

/// <summary>
/// Runs an <see cref="AttackJob"/> on its model's worker with the library's attack (<see cref="AttackFactory"/>, the
/// same construction as <c>fragility attack</c>: evaluation method with <see cref="LoadedModel.IgSteps"/> path points,
/// gradient method with <see cref="LoadedModel.AttackSteps"/>), and streams each iterate through the attack's
/// observer: its label, and the top-k intersection and Spearman correlation of its map against the clean map,
/// computed by the library's <see cref="TopKIntersection"/> and <see cref="SpearmanRankCorrelation"/>.
/// </summary>
internal static class AttackRunner
{
    // A map picture at most every 100 ms (and for the first and last step): the numbers go out for every step.
    private const long FrameMilliseconds = 100;

    /// <summary>Queues the job; its events tell the page what happens.</summary>
    public static void Start(AttackJob job, ModelWorker worker, TextWriter log)
    {
        job.Publish(new { type = "queued", position = worker.Pending });
        var clock = Stopwatch.StartNew();
        worker.Run(m => Execute(m, job), job.Stop.Token).ContinueWith(t =>
        {
            var plan = job.Plan;
            string what = $"attack {job.Id[..8]}: {plan.Method}, {plan.Attack}, epsilon {plan.Settings.Epsilon}/255 on {job.Image.Model}";
            if (t.IsCanceled)
            {
                job.Publish(new { type = "stopped" }, last: true);
                log.WriteLine($"serve: {what} stopped after {clock.Elapsed.TotalSeconds:F1} s");
            }
            else if (t.Exception is { } e)
            {
                var error = e.InnerException ?? e;
                string message = ServeErrors.Message(error);
                job.Publish(new { type = "error", error = message }, last: true);
                log.WriteLine($"serve: {what} failed: {message}{ServeErrors.Detail(error)}");
            }
            else
            {
                job.Final = t.Result;
                job.Publish(Done(job, t.Result), last: true);
                log.WriteLine($"serve: {what} done in {clock.Elapsed.TotalSeconds:F1} s, top-k intersection {t.Result.TopK:F3}");
            }
        }, TaskScheduler.Default);
    }

    private static AttackFinal Execute(LoadedModel model, AttackJob job)
    {
        var plan = job.Plan;
        var image = job.Image;
        int c = image.Channels, h = image.Height, w = image.Width;
        job.Publish(new { type = "started", steps = plan.Steps });
        var evaluation = model.Method(plan.Method);
        var target = plan.Target is null ? null : TargetRegion.FromRectangle(plan.Target);
        var attack = AttackFactory.Create(plan.Attack, model.Classifier, evaluation, plan.Settings, model.Method(plan.Method, LoadedModel.AttackSteps), target);
        using var x = torch.tensor(image.Pixels, [1, c, h, w]);
        using var clean = CleanReference.Compute(model.Classifier, evaluation, x);
        var cleanMap = clean.Maps[0].cpu().data<float>().ToArray();
        int k = plan.Settings.ResolveK(h, w);
        var topk = new TopKIntersection(k);
        var spearman = new SpearmanRankCorrelation();
        var marks = HeatmapRenderer.MarkedOptions(h, w, k);
        // The clean map's colour scale for every frame, so a map that grows looks brighter.
        marks = marks with { Min = 0, Max = HeatmapRenderer.SharedMax([cleanMap], marks.ClipPercentile) };
        var clock = Stopwatch.StartNew();
        long lastFrame = long.MinValue;
        using var result = attack.Run(clean, [0], it =>
        {
            var map = it.Maps[0].cpu().data<float>().ToArray();
            string? picture = null;
            if (it.Step == 1 || it.Step == plan.Steps || clock.ElapsedMilliseconds - lastFrame >= FrameMilliseconds)
            {
                lastFrame = clock.ElapsedMilliseconds;
                picture = Png.DataUrl(HeatmapRenderer.RenderOverlay(it.Iterate[0].cpu().data<float>().ToArray(), c, h, w, map, marks));
            }
            job.Publish(new StepEvent
            {
                Step = it.Step, Steps = plan.Steps,
                TopK = topk.Compare(cleanMap, map, h, w), Spearman = spearman.Compare(cleanMap, map, h, w),
                Criterion = it.Criterion[0], Label = it.Labels[0], LabelName = image.ClassName(it.Labels[0]),
                Confidence = it.Confidence[0], Admissible = it.Admissible[0], Map = picture,
            });
        }, job.Stop.Token);
        var perturbed = result.Perturbed[0].cpu().data<float>().ToArray();
        var perturbedMap = result.PerturbedMaps[0].cpu().data<float>().ToArray();
        return new AttackFinal(perturbed, cleanMap, perturbedMap, result.Outcomes[0], k,
            topk.Compare(cleanMap, perturbedMap, h, w), spearman.Compare(cleanMap, perturbedMap, h, w));
    }

    private static object Done(AttackJob job, AttackFinal f)
    {
        var image = job.Image;
        int c = image.Channels, h = image.Height, w = image.Width;
        var o = f.Outcome;
        var marks = SharedMarks(f, h, w);
        double max = HeatmapRenderer.MaxAbsDifference(image.Pixels, f.Perturbed);
        int scale = HeatmapRenderer.AutoScale(h, w);
        return new
        {
            type = "done", k = f.K, topk = f.TopK, spearman = f.Spearman, criterion = o.Criterion, failed = o.Failed,
            iterations = o.Iterations, linf = o.LinfPixels,
            labelBefore = o.LabelBefore, labelAfter = o.LabelAfter, labelNameBefore = image.ClassName(o.LabelBefore),
            labelNameAfter = image.ClassName(o.LabelAfter), confidenceBefore = o.ConfidenceBefore, confidenceAfter = o.ConfidenceAfter,
            // The difference picture spans +-max: this is how much it magnifies the perturbation.
            magnification = max > 0 ? 0.5 / max : 0,
            clean = Png.DataUrl(HeatmapRenderer.RenderImage(image.Pixels, c, h, w, scale)),
            perturbed = Png.DataUrl(HeatmapRenderer.RenderImage(f.Perturbed, c, h, w, scale)),
            cleanMap = Png.DataUrl(HeatmapRenderer.RenderOverlay(image.Pixels, c, h, w, f.CleanMap, marks)),
            perturbedMap = Png.DataUrl(HeatmapRenderer.RenderOverlay(f.Perturbed, c, h, w, f.PerturbedMap, marks)),
            difference = Png.DataUrl(HeatmapRenderer.RenderPerturbation(image.Pixels, f.Perturbed, c, h, w, scale)),
            files = AttackFiles.Names.ToDictionary(n => n, n => $"/api/attacks/{job.Id}/files/{n}"),
        };
    }

    /// <summary>The marks of <c>fragility attack</c>'s pictures: both maps on one colour scale.</summary>
    public static HeatmapOptions SharedMarks(AttackFinal f, int h, int w)
    {
        var marks = HeatmapRenderer.MarkedOptions(h, w, f.K);
        return marks with { Min = 0, Max = HeatmapRenderer.SharedMax([f.CleanMap, f.PerturbedMap], marks.ClipPercentile) };
    }
}
