using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;
using Fragility.Data;
using Fragility.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Models.Import;

/// <summary>
/// Brings a model trained elsewhere into Fragility ("bring your own model"): a PyTorch or safetensors state_dict of a
/// registry architecture (loaded by key name; missing, unexpected and wrong-shape keys are reported by name), or an
/// ONNX model (translated by <see cref="OnnxNetwork"/>). The result is a <see cref="Classifier"/> with metadata that
/// <see cref="ModelStore.Save"/> writes and <see cref="ModelStore.Load"/> (so every command) reads back.
/// </summary>
public static class ModelImporter
{
    /// <summary>Imports <see cref="ImportOptions.Source"/>.</summary>
    /// <exception cref="FragilityException">Bad options or file (the message names the problem and the fix).</exception>
    public static ImportResult Import(ImportOptions options)
    {
        if (options.Onnx == (options.Architecture is not null))
            throw new FragilityException("Say what the file is: --arch NAME for a state_dict of a registry architecture (" + string.Join(", ", ModelRegistry.Names) + "), or --onnx for an ONNX model.");
        if (options.Architecture is { } arch && !ModelRegistry.Names.Contains(arch))
            throw new FragilityException($"Unknown architecture '{arch}'. Choose one of: {string.Join(", ", ModelRegistry.Names)}, or import an ONNX model with --onnx.");
        if (!File.Exists(options.Source)) throw new FragilityException($"'{options.Source}' does not exist. Check the path.");
        if (options.Classes is < 2) throw new FragilityException($"--classes must be at least 2, got {options.Classes}.");
        var preset = options.Preprocess.Equals("auto", StringComparison.OrdinalIgnoreCase) ? ImportPreset.For(options.Architecture) : ImportPreset.Find(options.Preprocess);
        var labels = options.LabelsFile is null ? null : ReadLabels(options.LabelsFile);
        if (labels is not null && options.Classes is { } n && n != labels.Count)
            throw new FragilityException($"--classes {n} disagrees with the {labels.Count} names in '{options.LabelsFile}'. Give one of them, or make them agree.");
        var notes = new List<string>();
        return options.Onnx ? ImportOnnx(options, preset, labels, notes) : ImportStateDict(options, preset, labels, notes);
    }

    /// <summary>Imports, saves to <paramref name="outPath"/>, and checks that <see cref="ModelStore.Load"/> reads the
    /// file back to a model with the same outputs.</summary>
    public static ImportResult ImportAndSave(ImportOptions options, string outPath)
    {
        var result = Import(options);
        try
        {
            ModelStore.Save(result.Model, outPath);
            using var reloaded = ModelStore.Load(outPath);
            var p = result.Model.Metadata.Preprocessing;
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            using var generator = new Generator(0, torch.CPU);
            var x = torch.rand(new long[] { 2, p.Channels, p.Height, p.Width }, device: torch.CPU, generator: generator).to(torch.get_default_device());
            var a = result.Model.forward(x);
            var b = reloaded.forward(x);
            if (!a.allclose(b, 1e-5, 1e-6))
                throw new InvalidOperationException($"the saved model '{outPath}' does not reproduce the imported one");
        }
        catch
        {
            result.Model.Dispose();
            throw;
        }
        return result;
    }

    private static ImportResult ImportStateDict(ImportOptions options, ImportPreset preset, List<string>? labels, List<string> notes)
    {
        string source = options.Source, arch = options.Architecture!;
        var (format, tensors) = ReadStateDict(source);
        try
        {
            var geometry = Geometry(options, preset, DefaultGeometry(arch));
            var names = ClassNames(options, preset, labels, modelClasses: null)
                ?? throw new FragilityException($"How many classes does '{source}' have? Pass --classes N or --labels FILE (or a --preprocess preset with standard classes).");
            var metadata = Metadata(options, preset, geometry, names, arch, format, null);
            var model = ModelStore.Create(metadata);
            try
            {
                ModelStore.LoadStateDict(model.Network, tensors, source);
                Check(model, source);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            notes.Add($"loaded {tensors.Count} tensors into {arch} ({format} state_dict)");
            return new ImportResult(model, format, preset, notes);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static ImportResult ImportOnnx(ImportOptions options, ImportPreset preset, List<string>? labels, List<string> notes)
    {
        string source = options.Source;
        var net = OnnxNetwork.Load(source);
        try
        {
            var declared = net.InputShape.Count == 4 && net.InputShape.Skip(1).All(d => d > 0)
                ? ((int)net.InputShape[1], (int)net.InputShape[2], (int)net.InputShape[3]) : ((int, int, int)?)null;
            var geometry = Geometry(options, preset, declared);
            if (declared is { } d && geometry != d)
                throw new FragilityException($"'{source}' declares input {d.Item1}x{d.Item2}x{d.Item3} but the preprocessing gives {geometry.Channels}x{geometry.Height}x{geometry.Width}. Choose a matching --preprocess or --input-size.");
            long classes = OutputClasses(net, geometry, source);
            var names = ClassNames(options, preset, labels, classes)!;
            if (names.Count != classes)
                throw new FragilityException($"'{source}' outputs {classes} scores but {names.Count} class names were given. Pass --labels with {classes} lines or --classes {classes}.");
            var metadata = Metadata(options, preset, geometry, names, OnnxNetwork.ArchitectureName, "onnx", net);
            var model = new Classifier(net, metadata);
            notes.AddRange(net.Notes);
            notes.Add($"translated {net.OperatorTypes.Count} ONNX nodes (opset {net.Opset}): {string.Join(", ", net.OperatorTypes.Distinct())}");
            if (net.Graph is null) notes.Add($"layer-wise methods (DeepLIFT, relevance propagation) are unavailable for this model: {net.PropagationUnavailableReason}; the gradient-based ones work");
            if (preset == ImportPreset.None && geometry.Channels == 3) notes.Add("no input normalisation (--preprocess none); pass --preprocess imagenet if the model expects ImageNet mean/std");
            return new ImportResult(model, "onnx", preset, notes);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private static (string Format, Dictionary<string, Tensor> Tensors) ReadStateDict(string source)
    {
        if (PyTorchStateDictFile.LooksLikeZip(source)) return ("pytorch", PyTorchStateDictFile.Read(source));
        if (LooksLikeSafeTensors(source)) return ("safetensors", SafeTensorsFile.Read(source).Tensors);
        if (source.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw new FragilityException($"'{source}' looks like an ONNX model; import it with --onnx instead of --arch.");
        return ("pytorch", PyTorchStateDictFile.Read(source)); // refuses legacy and unknown files with the reason
    }

    private static bool LooksLikeSafeTensors(string path)
    {
        Span<byte> head = stackalloc byte[9];
        using var fs = File.OpenRead(path);
        if (fs.Read(head) < 9 || head[8] != (byte)'{') return false;
        ulong len = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return len > 1 && len <= (ulong)fs.Length - 8;
    }

    private static (int Channels, int Height, int Width)? DefaultGeometry(string arch) => arch switch
    {
        ModelRegistry.SqueezeNet11 => (3, 224, 224),
        ModelRegistry.SmallCnn => (1, 28, 28),
        ModelRegistry.PaperCnn => (3, 32, 32),
        _ => null,
    };

    private static (int Channels, int Height, int Width) Geometry(ImportOptions options, ImportPreset preset, (int, int, int)? model)
    {
        if (options.InputSize is { } s)
        {
            if (s.Channels < 1 || s.Height < 1 || s.Width < 1) throw new FragilityException($"--input-size must be positive, got {s.Channels}x{s.Height}x{s.Width}.");
            if (preset.Preprocessing is { } pp && pp.Channels != s.Channels)
                throw new FragilityException($"--input-size has {s.Channels} channels but preset '{preset.Name}' normalises {pp.Channels}. Use --preprocess none, or a matching size.");
            return s;
        }
        if (preset.Preprocessing is { } p) return (p.Channels, p.Height, p.Width);
        return model ?? throw new FragilityException("The model does not declare its input size. Pass --input-size CxHxW (e.g. 3x224x224) or a --preprocess preset.");
    }

    private static long OutputClasses(OnnxNetwork net, (int Channels, int Height, int Width) g, string source)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        Tensor y;
        try { y = net.forward(torch.zeros(1, g.Channels, g.Height, g.Width)); }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new FragilityException($"'{source}' does not run on a {g.Channels}x{g.Height}x{g.Width} input: {FirstLine(e.Message)}. Check --preprocess or --input-size.");
        }
        if (y.dim() != 2) throw new FragilityException($"'{source}' outputs a tensor of shape [{string.Join(",", y.shape)}]; Fragility needs class scores [N, classes]. Export the model's logits.");
        if (net.OutputClasses > 0 && net.OutputClasses != y.shape[1])
            throw new FragilityException($"'{source}' declares {net.OutputClasses} outputs but computes {y.shape[1]}. Re-export the model.");
        if (y.shape[1] < 2) throw new FragilityException($"'{source}' outputs a single score; Fragility needs at least two classes.");
        return y.shape[1];
    }

    private static void Check(Classifier model, string source)
    {
        var p = model.Metadata.Preprocessing;
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        try
        {
            var y = model.forward(torch.zeros(1, p.Channels, p.Height, p.Width));
            if (y.dim() != 2 || y.shape[1] != model.ClassCount) throw new FragilityException($"'{source}' gives [{string.Join(",", y.shape)}] scores for {model.ClassCount} classes. Check --classes.");
        }
        catch (Exception e) when (e is ExternalException or ArgumentException)
        {
            throw new FragilityException($"'{source}' does not run on a {p.Channels}x{p.Height}x{p.Width} input: {FirstLine(e.Message)}. Check --preprocess or --input-size.");
        }
    }

    private static IReadOnlyList<string>? ClassNames(ImportOptions options, ImportPreset preset, List<string>? labels, long? modelClasses)
    {
        if (labels is not null) return labels;
        long? n = options.Classes ?? modelClasses;
        if (preset.ClassNames is { } names && (n is null || n == names.Count)) return names;
        return n is null ? null : Enumerable.Range(0, (int)n).Select(i => $"class {i}").ToArray();
    }

    private static List<string> ReadLabels(string path)
    {
        if (!File.Exists(path)) throw new FragilityException($"Labels file '{path}' does not exist. Give a text file with one class name per line.");
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        int empty = lines.FindIndex(l => l.Length == 0);
        if (empty >= 0) throw new FragilityException($"Labels file '{path}' has an empty line {empty + 1}; every class needs a name. Remove the line or name the class.");
        if (lines.Count < 2) throw new FragilityException($"Labels file '{path}' names {lines.Count} class(es); a classifier needs at least two.");
        return lines;
    }

    private static ModelMetadata Metadata(ImportOptions options, ImportPreset preset, (int Channels, int Height, int Width) g,
        IReadOnlyList<string> names, string architecture, string format, OnnxNetwork? onnx)
    {
        var basis = preset.Preprocessing;
        var preprocessing = basis is not null && basis.Channels == g.Channels && basis.Height == g.Height && basis.Width == g.Width
            ? basis
            : basis is not null
                // A non-standard size keeps the preset's normalisation and torchvision's resize-to-crop ratio 256/224.
                ? basis with { Height = g.Height, Width = g.Width, ResizeShorter = basis.ResizeShorter is null ? null : (int)Math.Round(Math.Min(g.Height, g.Width) * 256.0 / 224) }
                : Preprocessing.Plain(g.Channels, g.Height, g.Width);
        var provenance = new Dictionary<string, string>
        {
            ["imported_from"] = Path.GetFileName(options.Source),
            ["format"] = format,
            ["preprocess"] = preset.Name,
        };
        if (onnx is not null)
        {
            provenance["onnx_opset"] = onnx.Opset.ToString(System.Globalization.CultureInfo.InvariantCulture);
            provenance["dropped_final_softmax"] = onnx.DroppedFinalSoftmax ? "true" : "false";
            provenance["layer_chain"] = onnx.IsLayerChain ? "true" : "false";
            provenance["layer_wise_methods"] = onnx.Graph is not null ? "true" : "false";
        }
        var (pixelMean, channelMean, meanSource) = options.MeanFrom is { } from
            ? TrainingMean(from, options.MeanDataDir, options.MeanLimit, preprocessing)
            : (null, null, null);
        return new ModelMetadata
        {
            ReferenceMean = pixelMean,
            ReferenceChannelMean = channelMean,
            ReferenceSource = meanSource,
            Architecture = architecture,
            Preprocessing = preprocessing,
            ClassNames = names.ToArray(),
            Dataset = preset == ImportPreset.None ? "imported" : preset.Name,
            Command = options.Command,
            Training = provenance,
            CreatedUtc = DateTime.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture),
            FragilityVersion = typeof(ModelImporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
        };
    }

    /// <summary>The mean of the images named by <paramref name="from"/> in the model's geometry: per pixel for small
    /// images, per channel for large ones (as <see cref="Attribution.References"/> uses them).</summary>
    private static (float[]? Pixel, float[]? Channel, string Source) TrainingMean(string from, string? dataDir, int? limit, Preprocessing p)
    {
        bool folder = Directory.Exists(from);
        using var data = folder
            ? DatasetCatalog.Load(DatasetCatalog.Folder, DatasetSplit.Train, from, p.LoadOptions(), limit)
            : DatasetCatalog.Load(from, from.Equals(DatasetCatalog.Sample, StringComparison.OrdinalIgnoreCase) ? DatasetSplit.Test : DatasetSplit.Train, dataDir, p.LoadOptions(), limit);
        var (c, h, w) = data.ImageShape;
        if (c != p.Channels || h != p.Height || w != p.Width)
            throw new FragilityException($"--mean-from '{from}' has images of {c}x{h}x{w} but the model takes {p.Channels}x{p.Height}x{p.Width}. Give the images the model was trained on (an image folder is brought to the model's size).");
        string source = $"{(folder ? Path.GetFileName(Path.TrimEndingDirectorySeparator(from)) : data.Name)}, {data.Count} images";
        using var pixel = MeanImages.PerPixel(data);
        if (p.Height <= Attribution.References.SmallImageSide && p.Width <= Attribution.References.SmallImageSide)
            return (pixel.cpu().data<float>().ToArray(), null, source);
        using var channel = pixel.mean([1L, 2L]);
        return (null, channel.cpu().data<float>().ToArray(), source);
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim().TrimEnd('.');
}
