using System.Text.Json;
using Fragility.Cli.Infrastructure;
using Fragility.Data;
using Fragility.IO;
using Fragility.Models;
using TorchSharp;

namespace Fragility.Tests.Cli;

/// <summary><c>fragility explain</c> end to end: what it prints, the lines it writes, and maps that equal an
/// independent computation (autograd on the model's logit, normalised here).</summary>
[Collection("console")]
public sealed class ExplainCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fragility-explain-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Fact]
    public void WritesMapsEqualToAutogradAndOneLinePerInput_ThroughTheInvocationsOwnWriters()
    {
        // The command's console is the invocation's: its output is read here with no process-wide redirection.
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(["explain", "--input", "dataset:3", "--methods", "gradient,ig", "--ig-steps", "16", "--out", _dir], output, error);
        Assert.True(code == 0, error.ToString());
        Assert.Contains("Wrote 6 maps", output.ToString());
        Assert.Contains("ig completeness err", output.ToString());

        var lines = File.ReadAllLines(Path.Combine(_dir, "explanations.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        using var model = ModelStore.Load();
        using var data = ModelData.Load(model, DatasetCatalog.Sample, DatasetSplit.Test, null, limit: 3);
        var (labels, _) = model.Predict(data.Images);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i, lines[i].GetProperty("input").GetInt32());
            Assert.Equal(labels[i], lines[i].GetProperty("label").GetInt64());
            // IG with 16 points on a small ReLU CNN: completeness within a few per cent.
            Assert.InRange(lines[i].GetProperty("completeness_error_ig").GetDouble(), 0, 0.2);

            using var x = data.Images[i].unsqueeze(0).detach().requires_grad_(true);
            using var logits = model.forward(x);
            var g = torch.autograd.grad([logits[0, labels[i]]], [x])[0];
            // The saliency map: |gradient| summed over channels, normalised to sum 1 (docs/method.md).
            using var summed = g.abs().sum(1)[0];
            using var expected = summed / summed.sum();
            var written = NpyFile.ReadSingle(Path.Combine(_dir, $"{i:D4}_gradient_map.npy"), out var shape);
            Assert.Equal([28, 28], shape);
            var want = expected.data<float>().ToArray();
            for (int p = 0; p < want.Length; p++) Assert.Equal(want[p], written[p], 1e-6f);
        }
    }
}
