using System.Text.Json;
using Fragility.Attacks;
using Fragility.Attribution;
using Fragility.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SkiaSharp;

namespace Fragility.Serve;

/// <summary>The HTTP interface of the page. Every handler checks its input before any tensor is made (a libtorch
/// error would end the process), hands tensor work to the model's worker and answers JSON, or
/// <c>{"error": "..."}</c> through <see cref="ServeErrors"/>.</summary>
internal sealed class Endpoints(ServeOptions options, ModelCatalog catalog, string uploads)
{
    /// <summary>Data sets the page offers images from: the shipped sample and Debian's Fashion-MNIST.</summary>
    public static IReadOnlyList<string> Datasets { get; } = [DatasetCatalog.Sample, DatasetCatalog.FashionMnist];

    /// <summary>Room for the multipart framing around an upload of the largest accepted size, in bytes.</summary>
    public const long FormOverhead = 64 * 1024;

    private const int DefaultIterations = 30;
    private const double DefaultStep = 1;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    // Bounded so that a long session stays small even with 224x224 models (an image with its 8 maps is about 2 MB there).
    private readonly BoundedStore<ServeImage> _images = new(64);
    private readonly BoundedStore<AttackJob> _jobs = new(32);

    /// <summary>Maps every route onto <paramref name="app"/>.</summary>
    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Page("index.html"));
        foreach (string file in PageAssets.Files.Keys) app.MapGet("/" + file, () => Page(file));
        app.MapGet("/api/info", Info);
        app.MapPost("/api/images", (Delegate)Upload);
        app.MapPost("/api/images/dataset", (Delegate)FromDataset);
        app.MapGet("/api/images/{id}/maps/{file}", MapFile);
        app.MapPost("/api/attacks", (Delegate)StartAttack);
        app.MapGet("/api/attacks/{id}/events", Events);
        app.MapPost("/api/attacks/{id}/stop", (string id) =>
        {
            _jobs.Get(id, "attack").Stop.Cancel();
            return Results.Json(new { stopping = true });
        });
        app.MapGet("/api/attacks/{id}/files/{name}", (string id, string name) =>
        {
            var job = _jobs.Get(id, "attack");
            var (bytes, type) = AttackFiles.Make(job, name);
            var p = job.Plan;
            return Results.File(bytes, type, $"fragility-{p.Method}-{p.Attack}-eps{p.Settings.Epsilon.ToString(System.Globalization.CultureInfo.InvariantCulture)}-{name}");
        });
    }

    /// <summary>Stops every attack (the server is stopping).</summary>
    public void StopAll()
    {
        foreach (var job in _jobs.All()) job.Stop.Cancel();
    }

    private static IResult Page(string file) => Results.Bytes(PageAssets.Read(file), PageAssets.Files[file]);

    private IResult Info() => Results.Json(new
    {
        models = catalog.Names(),
        methods = AttributionMethods.Names,
        attacks = AttackNames.All,
        datasets = Datasets,
        defaults = new { epsilon = new AttackSettings().Epsilon, iterations = DefaultIterations, step = DefaultStep },
        limits = new { maxUploadBytes = options.MaxUploadBytes, maxPixels = options.MaxPixels, maxIterations = options.MaxIterations },
    });

    private async Task<IResult> Upload(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasFormContentType)
            throw new ServeException(415, "Send the image as multipart/form-data with the fields 'model' and 'file'.");
        if (request.ContentLength > options.MaxUploadBytes + FormOverhead)
            throw new ServeException(413, $"The upload is larger than {options.MaxUploadBytes / (1024 * 1024)} MB: choose a smaller image.");
        var form = await request.ReadFormAsync(context.RequestAborted);
        var worker = catalog.Worker(form["model"].FirstOrDefault());
        var file = form.Files.GetFile("file") ?? throw new ServeException(400, "No image: send it in the form field 'file'.");
        string name = DisplayName(file.FileName);
        if (file.Length == 0) throw new ServeException(400, $"'{name}' is empty: choose an image file.");
        if (file.Length > options.MaxUploadBytes)
            throw new ServeException(413, $"'{name}' is larger than {options.MaxUploadBytes / (1024 * 1024)} MB: choose a smaller image.");
        string extension = Path.GetExtension(file.FileName).ToLowerInvariant();
        if (!ImageCodec.ImageExtensions.Contains(extension))
            throw new ServeException(415, $"'{name}' is not an image file ({string.Join(", ", ImageCodec.ImageExtensions.Order())}): choose a PNG or JPEG image.");
        // The only place an upload is written: a fresh name in this server's temporary folder, deleted after decoding.
        string path = Path.Combine(uploads, BoundedStore<ServeImage>.NewId() + extension);
        await using (var stream = File.Create(path)) await file.CopyToAsync(stream, context.RequestAborted);
        try
        {
            CheckPixels(path, name);
            string id = BoundedStore<ServeImage>.NewId();
            var image = await worker.Run(m =>
            {
                var c = m.Classifier;
                using var data = ImageFolderReader.LoadFile(path, c.Metadata.Preprocessing.LoadOptions(), c.Metadata.ClassNames);
                return Explanations.Explain(m, data, id, name);
            }, context.RequestAborted);
            _images.Add(id, image);
            return Results.Json(Explanations.Describe(image));
        }
        catch (FragilityException e) when (e.Message.Contains(path, StringComparison.Ordinal))
        {
            // The codec names the file it read: name the user's file instead of the temporary one.
            throw new FragilityException(e.Message.Replace(path, name, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task<IResult> FromDataset(HttpContext context)
    {
        var body = await ReadJson<DatasetImageRequest>(context.Request);
        var worker = catalog.Worker(body.Model);
        string dataset = body.Dataset ?? throw Missing("dataset");
        if (!Datasets.Contains(dataset)) throw new ServeException(400, $"Unknown data set '{dataset}': choose one of {string.Join(", ", Datasets)}.");
        int index = body.Index ?? throw Missing("index");
        if (index < 0) throw new ServeException(400, $"'index' must be 0 or more, got {index}.");
        string id = BoundedStore<ServeImage>.NewId();
        var image = await worker.Run(m =>
        {
            var c = m.Classifier;
            using var all = DatasetCatalog.Load(dataset, DatasetSplit.Test, null, c.Metadata.Preprocessing.LoadOptions(), index + 1);
            if (all.Count <= index) throw new ServeException(400, $"The test split of '{dataset}' has {all.Count} images: choose an index below {all.Count}.");
            using var one = all.Subset([index]);
            string truth = one.Labels[0] >= 0 && one.Labels[0] < one.ClassNames.Count ? $", true class {one.ClassNames[(int)one.Labels[0]]}" : "";
            return Explanations.Explain(m, one, id, $"{dataset} test image {index}{truth}");
        }, context.RequestAborted);
        _images.Add(id, image);
        return Results.Json(Explanations.Describe(image));
    }

    private IResult MapFile(string id, string file)
    {
        var image = _images.Get(id, "image");
        string method = Path.GetFileNameWithoutExtension(file), extension = Path.GetExtension(file);
        if (!image.Maps.TryGetValue(method, out var map) || extension is not (".npy" or ".png"))
            throw new ServeException(404, $"Unknown map file '{file}': ask for METHOD.npy or METHOD.png, METHOD one of {string.Join(", ", image.Maps.Keys)}.");
        return extension == ".npy"
            ? Results.File(AttackFiles.Npy(map, image.Height, image.Width), "application/octet-stream", $"fragility-{method}-map.npy")
            : Results.File(Fragility.Reporting.HeatmapRenderer.RenderOverlay(image.Pixels, image.Channels, image.Height, image.Width, map,
                Fragility.Reporting.HeatmapRenderer.MarkedOptions(image.Height, image.Width)), "image/png", $"fragility-{method}-map.png");
    }

    private async Task<IResult> StartAttack(HttpContext context)
    {
        var body = await ReadJson<AttackRequest>(context.Request);
        var image = _images.Get(body.Image ?? throw Missing("image"), "image");
        string method = body.Method ?? throw Missing("method");
        if (!AttributionMethods.Names.Contains(method))
            throw new ServeException(400, $"Unknown method '{method}': choose one of {string.Join(", ", AttributionMethods.Names)}.");
        string attack = AttackNames.Canonical(body.Attack ?? throw Missing("attack"));
        var settings = new AttackSettings
        {
            Epsilon = body.Epsilon ?? throw Missing("epsilon"),
            Iterations = body.Iterations ?? DefaultIterations,
            Step = body.Step ?? DefaultStep,
        };
        settings.Validate(image.Height, image.Width);
        if (settings.Iterations > options.MaxIterations)
            throw new ServeException(400, $"'iterations' must be at most {options.MaxIterations} here, got {settings.Iterations}: use 'fragility attack' for longer runs.");
        string? target = string.IsNullOrWhiteSpace(body.Target) ? null : body.Target.Trim();
        if (attack == AttackNames.Targeted)
        {
            if (target is null) throw new ServeException(400, "The targeted attack needs a target region 'row0,col0,row1,col1' (e.g. 0,0,8,8).");
            _ = TargetRegion.FromRectangle(target);
        }
        var worker = catalog.Worker(image.Model);
        var job = new AttackJob(BoundedStore<AttackJob>.NewId(), image, new AttackPlan(method, attack, settings, attack == AttackNames.Targeted ? target : null));
        _jobs.Add(job.Id, job);
        AttackRunner.Start(job, worker, options.Log);
        return Results.Json(new { id = job.Id, events = $"/api/attacks/{job.Id}/events" });
    }

    private async Task Events(HttpContext context, string id)
    {
        var job = _jobs.Get(id, "attack");
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        try
        {
            await foreach (string e in job.Events(context.RequestAborted))
            {
                await response.WriteAsync($"data: {e}\n\n", context.RequestAborted);
                await response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The page went away: nobody is watching, so the attack stops.
            job.Stop.Cancel();
        }
    }

    private void CheckPixels(string path, string name)
    {
        // The header alone: a decompression bomb is refused before any pixel is decoded.
        using var codec = SKCodec.Create(path);
        if (codec is null) return;   // not decodable: the codec's own message follows
        long pixels = (long)codec.Info.Width * codec.Info.Height;
        if (pixels > options.MaxPixels)
            throw new ServeException(413, $"'{name}' is {codec.Info.Width}x{codec.Info.Height} pixels, more than the {options.MaxPixels:N0} accepted: choose a smaller image.");
    }

    private static async Task<T> ReadJson<T>(HttpRequest request) where T : class
    {
        if (!request.HasJsonContentType()) throw new ServeException(415, "Send a JSON object (Content-Type: application/json).");
        return await request.ReadFromJsonAsync<T>(Json, request.HttpContext.RequestAborted)
            ?? throw new ServeException(400, "The body is empty: send a JSON object.");
    }

    private static ServeException Missing(string field) => new(400, $"The field '{field}' is missing.");

    // Shown to the user (as text, never markup) and in download names: the base name, without control characters, at most 120 characters.
    private static string DisplayName(string fileName)
    {
        string name = new(Path.GetFileName(fileName.Replace('\\', '/')).Where(ch => !char.IsControl(ch)).ToArray());
        if (name.Length == 0) name = "upload";
        return name.Length <= 120 ? name : name[..120];
    }
}
