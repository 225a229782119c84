using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Fragility.Attacks;
using Fragility.Data;
using Fragility.Experiments;
using Fragility.IO;
using Fragility.Metrics;
using Fragility.Models;
using SkiaSharp;
using TorchSharp;

namespace Fragility.Serve.Tests;

/// <summary>Every endpoint over HTTP: good input gives what the CLI's library code gives, bad input a JSON error with
/// a fitting status and a log line, never a stack trace.</summary>
public sealed class HttpApiTests(ServeHarness serve) : IClassFixture<ServeHarness>
{
    [Fact]
    public async Task Page_IsServedWithItsOwnFilesOnly_AndAStrictContentSecurityPolicy()
    {
        var response = await serve.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        foreach (string file in new[] { "/", "/app.js", "/app.css" })
        {
            string text = await serve.Http.GetStringAsync(file);
            Assert.DoesNotContain("http://", text);
            Assert.DoesNotContain("https://", text);
            Assert.DoesNotContain("innerHTML", text);
        }
        Assert.Equal(ServeOptions.Loopback, serve.Server.Address.Host);
    }

    [Fact]
    public async Task Info_ListsTheDefaultModelFirst_AndOnlyModelFilesOfTheFolder()
    {
        var info = await ServeHarness.Ok(await serve.Http.GetAsync("/api/info"));
        var models = info.GetProperty("models").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Equal([serve.ShippedModel, ServeHarness.BrokenModel, ServeHarness.EvilModel], models);
        Assert.Contains("topk", info.GetProperty("attacks").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Upload_OfAPng_GivesThePrediction_AndTheMapOfEveryMethod_AndLeavesNoFileBehind()
    {
        string png = serve.SamplePng(0, "boot.png");
        var image = await ServeHarness.Ok(await serve.Upload(serve.ShippedModel, File.ReadAllBytes(png), "boot.png"));
        using var model = ModelStore.Load();
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, null, 1);
        var (labels, confidence) = model.Predict(data.Images);
        Assert.Equal(labels[0], image.GetProperty("label").GetInt64());
        Assert.Equal(confidence[0], image.GetProperty("confidence").GetSingle(), 5);
        Assert.Equal(Fragility.Attribution.AttributionMethods.Names, image.GetProperty("maps").EnumerateArray().Select(m => m.GetProperty("method").GetString()));
        Assert.Equal("boot.png", image.GetProperty("name").GetString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(serve.Server.TemporaryFolder, "uploads")));

        // The map download is the clean map as .npy [H, W], summing to 1.
        var npy = NpyFile.Read(await serve.Http.GetStreamAsync($"/api/images/{image.GetProperty("id").GetString()}/maps/gradient.npy"));
        Assert.Equal([28, 28], npy.Shape);
        Assert.Equal(1.0, npy.ToDouble().Sum(), 4);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    public async Task Upload_NotAForm_Is415(string mediaType)
    {
        var response = await serve.Http.PostAsync("/api/images", new StringContent("{}", System.Text.Encoding.UTF8, mediaType));
        await AssertError(response, HttpStatusCode.UnsupportedMediaType, "multipart/form-data");
    }

    [Fact]
    public async Task Upload_TooLarge_Is413()
    {
        // Just over the limit: a much larger body is cut off by Kestrel's own limit, closing the connection.
        var bytes = new byte[new ServeOptions().MaxUploadBytes + 1000];
        await AssertError(await serve.Upload(serve.ShippedModel, bytes, "huge.png"), HttpStatusCode.RequestEntityTooLarge, "large");
    }

    [Fact]
    public async Task Upload_WithTooManyPixels_Is413_BeforeDecoding()
    {
        // 5000 x 4000 = 20 megapixels of one colour: a few kilobytes of PNG.
        using var bitmap = new SKBitmap(5000, 4000, SKColorType.Gray8, SKAlphaType.Opaque);
        bitmap.Erase(SKColors.Black);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        Assert.True(data.Size < 1024 * 1024);
        await AssertError(await serve.Upload(serve.ShippedModel, data.ToArray(), "bomb.png"), HttpStatusCode.RequestEntityTooLarge, "5000x4000");
    }

    [Fact]
    public async Task Upload_NotAnImage_NamesTheUsersFile_NotTheTemporaryOne()
    {
        var response = await serve.Upload(serve.ShippedModel, "hello"u8.ToArray(), "fake.png");
        string message = await AssertError(response, HttpStatusCode.BadRequest, "'fake.png'");
        Assert.DoesNotContain(serve.Server.TemporaryFolder, message);
        await AssertError(await serve.Upload(serve.ShippedModel, "hello"u8.ToArray(), "notes.txt", "text/plain"), HttpStatusCode.UnsupportedMediaType, "not an image file");
        await AssertError(await serve.Upload(serve.ShippedModel, [], "empty.png"), HttpStatusCode.BadRequest, "empty");
    }

    [Theory]
    [InlineData(null, HttpStatusCode.BadRequest, "No model")]
    [InlineData("nope.safetensors", HttpStatusCode.NotFound, "Unknown model")]
    [InlineData("../models/markup-classes.safetensors", HttpStatusCode.NotFound, "Unknown model")]
    [InlineData("/etc/passwd", HttpStatusCode.NotFound, "Unknown model")]
    [InlineData("notes.txt", HttpStatusCode.NotFound, "Unknown model")]
    public async Task Upload_ToAModelNotOnOffer_IsRefused(string? model, HttpStatusCode status, string message)
    {
        string png = serve.SamplePng(1, "one.png");
        await AssertError(await serve.Upload(model, File.ReadAllBytes(png)), status, message);
    }

    [Fact]
    public async Task ABrokenModelFile_IsAMessage_AndTheServerGoesOn()
    {
        var response = await serve.PostJson("/api/images/dataset", $$"""{"model":"{{ServeHarness.BrokenModel}}","dataset":"sample","index":0}""");
        await AssertError(response, HttpStatusCode.BadRequest, ServeHarness.BrokenModel);
        await serve.SampleImage(0);
    }

    [Fact]
    public async Task Upload_WithoutAFile_Is400()
    {
        await AssertError(await serve.Upload(serve.ShippedModel, null), HttpStatusCode.BadRequest, "form field 'file'");
    }

    [Theory]
    [InlineData("""{"dataset":"sample","index":0}""", HttpStatusCode.BadRequest, "No model")]
    [InlineData("""{"model":"fashion-mnist-small-cnn.safetensors","index":0}""", HttpStatusCode.BadRequest, "'dataset' is missing")]
    [InlineData("""{"model":"fashion-mnist-small-cnn.safetensors","dataset":"sample"}""", HttpStatusCode.BadRequest, "'index' is missing")]
    [InlineData("""{"model":"fashion-mnist-small-cnn.safetensors","dataset":"sample","index":"three"}""", HttpStatusCode.BadRequest, "$.index")]
    [InlineData("""{"model":"fashion-mnist-small-cnn.safetensors","dataset":"sample","index":-1}""", HttpStatusCode.BadRequest, "0 or more")]
    [InlineData("""{"model":"fashion-mnist-small-cnn.safetensors","dataset":"sample","index":100000}""", HttpStatusCode.BadRequest, "has 256 images")]
    [InlineData("""{"model":"fashion-mnist-small-cnn.safetensors","dataset":"/etc","index":0}""", HttpStatusCode.BadRequest, "Unknown data set")]
    [InlineData("""{"model":"fashion-mnist-small-cnn.safetensors",""", HttpStatusCode.BadRequest, "not the JSON expected")]
    [InlineData("[1,2]", HttpStatusCode.BadRequest, "not the JSON expected")]
    public async Task DatasetImage_BadInput_IsAJsonError(string body, HttpStatusCode status, string message)
    {
        await AssertError(await serve.PostJson("/api/images/dataset", body), status, message);
    }

    [Fact]
    public async Task Attack_BadInput_IsAJsonError()
    {
        var image = await serve.SampleImage(2);
        string id = image.GetProperty("id").GetString()!;
        async Task Bad(string body, HttpStatusCode status, string message) =>
            await AssertError(await serve.PostJson("/api/attacks", body), status, message);
        await Bad("""{"method":"gradient","attack":"topk","epsilon":8}""", HttpStatusCode.BadRequest, "'image' is missing");
        await Bad("""{"image":"0123","method":"gradient","attack":"topk","epsilon":8}""", HttpStatusCode.NotFound, "Unknown image");
        await Bad($$"""{"image":"{{id}}","attack":"topk","epsilon":8}""", HttpStatusCode.BadRequest, "'method' is missing");
        await Bad($$"""{"image":"{{id}}","method":"<script>","attack":"topk","epsilon":8}""", HttpStatusCode.BadRequest, "Unknown method");
        await Bad($$"""{"image":"{{id}}","method":"gradient","attack":"fgsm","epsilon":8}""", HttpStatusCode.BadRequest, "Unknown attack");
        await Bad($$"""{"image":"{{id}}","method":"gradient","attack":"topk"}""", HttpStatusCode.BadRequest, "'epsilon' is missing");
        await Bad($$"""{"image":"{{id}}","method":"gradient","attack":"topk","epsilon":0}""", HttpStatusCode.BadRequest, "--epsilon must be in (0, 255]");
        await Bad($$"""{"image":"{{id}}","method":"gradient","attack":"topk","epsilon":"big"}""", HttpStatusCode.BadRequest, "$.epsilon");
        await Bad($$"""{"image":"{{id}}","method":"gradient","attack":"topk","epsilon":8,"iterations":0}""", HttpStatusCode.BadRequest, "--iterations must be at least 1");
        await Bad($$"""{"image":"{{id}}","method":"gradient","attack":"topk","epsilon":8,"iterations":100000}""", HttpStatusCode.BadRequest, "at most 1000");
        await Bad($$"""{"image":"{{id}}","method":"gradient","attack":"topk","epsilon":8,"step":-1}""", HttpStatusCode.BadRequest, "--step");
        await Bad($$"""{"image":"{{id}}","method":"gradient","attack":"targeted","epsilon":8}""", HttpStatusCode.BadRequest, "target region");
        await Bad($$"""{"image":"{{id}}","method":"gradient","attack":"targeted","epsilon":8,"target":"a,b"}""", HttpStatusCode.BadRequest, "four whole numbers");
        await AssertError(await serve.Http.PostAsync("/api/attacks", new StringContent("image=1")), HttpStatusCode.UnsupportedMediaType, "JSON");
    }

    [Fact]
    public async Task UnknownAttackOrFileOrRoute_IsAJsonError()
    {
        await AssertError(await serve.Http.GetAsync("/api/attacks/ffff/events"), HttpStatusCode.NotFound, "Unknown attack");
        await AssertError(await serve.Http.PostAsync("/api/attacks/ffff/stop", null), HttpStatusCode.NotFound, "Unknown attack");
        await AssertError(await serve.Http.GetAsync("/api/attacks/ffff/files/perturbed.npy"), HttpStatusCode.NotFound, "Unknown attack");
        await AssertError(await serve.Http.GetAsync("/api/images/ffff/maps/gradient.npy"), HttpStatusCode.NotFound, "Unknown image");
        await AssertError(await serve.Http.GetAsync("/etc/passwd"), HttpStatusCode.NotFound, "404");
        await AssertError(await serve.Http.GetAsync("/api/attacks"), HttpStatusCode.MethodNotAllowed, "405");
        var image = await serve.SampleImage(2);
        await AssertError(await serve.Http.GetAsync($"/api/images/{image.GetProperty("id").GetString()}/maps/..%2F..%2Fetc.npy"), HttpStatusCode.NotFound, "Unknown map file");
    }

    [Fact]
    public async Task Attack_StreamsEveryStep_AndGivesExactlyWhatTheLibraryGives_WithDownloads()
    {
        var image = await serve.SampleImage(3);
        const int iterations = 6;
        string job = await serve.StartAttack(new { image = image.GetProperty("id").GetString(), method = "gradient", attack = "topk", epsilon = 8, iterations, step = 1 });
        var events = await serve.Events(job);
        Assert.Equal(["queued", "started", .. Enumerable.Repeat("step", iterations), "done"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(1, iterations), events.Where(IsStep).Select(e => e.GetProperty("step").GetInt32()));
        var done = events[^1];

        // The same attack made directly with the library, as 'fragility attack' makes it.
        using var model = ModelStore.Load();
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, null, 4);
        using var x = data.Images.narrow(0, 3, 1);
        var methods = SweepMethods.Create(model);
        var evaluation = methods("gradient", 32);
        var settings = new AttackSettings { Epsilon = 8, Iterations = iterations, Step = 1 };
        using var clean = CleanReference.Compute(model, evaluation, x);
        using var result = AttackFactory.Create("topk", model, evaluation, settings, methods("gradient", 8)).Run(clean, [0]);
        var map0 = clean.Maps[0].data<float>().ToArray();
        var map1 = result.PerturbedMaps[0].data<float>().ToArray();
        Assert.Equal(new TopKIntersection(78).Compare(map0, map1, 28, 28), done.GetProperty("topk").GetDouble());
        Assert.Equal(new SpearmanRankCorrelation().Compare(map0, map1, 28, 28), done.GetProperty("spearman").GetDouble());
        Assert.True(done.GetProperty("topk").GetDouble() < 1);
        Assert.Equal(done.GetProperty("labelBefore").GetInt64(), done.GetProperty("labelAfter").GetInt64());
        // The best admissible streamed step is the result.
        Assert.Equal(events.Where(e => IsStep(e) && e.GetProperty("admissible").GetBoolean()).Min(e => e.GetProperty("topk").GetDouble()), done.GetProperty("topk").GetDouble());

        // Heard again after the end: the same numbers, without the step pictures (the last event has the final ones).
        var replay = await serve.Events(job);
        Assert.Equal(events.Count, replay.Count);
        Assert.All(replay.Where(IsStep), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("map").ValueKind));
        Assert.Equal(events.Where(IsStep).Select(e => e.GetProperty("topk").GetDouble()), replay.Where(IsStep).Select(e => e.GetProperty("topk").GetDouble()));
        Assert.StartsWith("data:image/png;base64,", replay[^1].GetProperty("perturbedMap").GetString());

        var perturbed = NpyFile.Read(await serve.Http.GetStreamAsync($"/api/attacks/{job}/files/perturbed.npy"));
        Assert.Equal([1, 28, 28], perturbed.Shape);
        Assert.Equal(result.Perturbed[0].data<float>().ToArray(), perturbed.ToSingle());
        var advMap = NpyFile.Read(await serve.Http.GetStreamAsync($"/api/attacks/{job}/files/perturbed-map.npy"));
        Assert.Equal(map1, advMap.ToSingle());
        using var png = SKBitmap.Decode(await serve.Http.GetByteArrayAsync($"/api/attacks/{job}/files/perturbed.png"));
        Assert.Equal(28, png.Width);
        var download = await serve.Http.GetAsync($"/api/attacks/{job}/files/compare.png");
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        await AssertError(await serve.Http.GetAsync($"/api/attacks/{job}/files/..%2Fsecret"), HttpStatusCode.NotFound, "Unknown file");
    }

    [Fact]
    public async Task TwoTabs_AttackingAtOnce_QueueOnTheModel_AndEachGetsItsOwnResult()
    {
        var a = await serve.SampleImage(4);
        var b = await serve.SampleImage(5);
        string jobA = await serve.StartAttack(new { image = a.GetProperty("id").GetString(), method = "gradient", attack = "topk", epsilon = 8, iterations = 5 });
        string jobB = await serve.StartAttack(new { image = b.GetProperty("id").GetString(), method = "grad_x_input", attack = "mass_center", epsilon = 4, iterations = 5 });
        var both = await Task.WhenAll(serve.Events(jobA), serve.Events(jobB));
        var onlyA = await serve.Events(await serve.StartAttack(new { image = a.GetProperty("id").GetString(), method = "gradient", attack = "topk", epsilon = 8, iterations = 5 }));
        var onlyB = await serve.Events(await serve.StartAttack(new { image = b.GetProperty("id").GetString(), method = "grad_x_input", attack = "mass_center", epsilon = 4, iterations = 5 }));
        // Run together or alone, each tab gets the same numbers: nothing of one attack leaks into the other.
        Assert.Equal(Numbers(onlyA), Numbers(both[0]));
        Assert.Equal(Numbers(onlyB), Numbers(both[1]));
        Assert.NotEqual(Numbers(both[0]), Numbers(both[1]));
    }

    [Fact]
    public async Task Stop_EndsARunningAttack_AndSoDoesClosingTheStream()
    {
        var image = await serve.SampleImage(6);
        string id = image.GetProperty("id").GetString()!;
        string job = await serve.StartAttack(new { image = id, method = "gradient", attack = "topk", epsilon = 8, iterations = 1000, step = 0.1 });
        bool sent = false;
        var events = await serve.Events(job, e =>
        {
            if (IsStep(e) && !sent)
            {
                sent = true;
                serve.Http.PostAsync($"/api/attacks/{job}/stop", null).GetAwaiter().GetResult().EnsureSuccessStatusCode();
            }
            return false;
        });
        Assert.Equal("stopped", events[^1].GetProperty("type").GetString());
        Assert.True(events.Count(IsStep) < 1000);
        await AssertError(await serve.Http.GetAsync($"/api/attacks/{job}/files/perturbed.npy"), HttpStatusCode.Conflict, "no result");

        // A page that goes away stops its attack: read one step, then hang up.
        string second = await serve.StartAttack(new { image = id, method = "gradient", attack = "topk", epsilon = 8, iterations = 1000, step = 0.1 });
        await serve.Events(second, IsStep);
        var replay = await serve.Events(second);
        Assert.Equal("stopped", replay[^1].GetProperty("type").GetString());
        Assert.True(replay.Count(IsStep) < 1000);

    }

    [Fact]
    public async Task StartAsync_RefusesAHostThatIsNotAnAddress_AndAnUnknownFolder()
    {
        var e = await Assert.ThrowsAsync<FragilityException>(() => FragilityServer.StartAsync(new ServeOptions { Host = "<script>", Port = 0 }));
        Assert.Contains("--host", e.Message);
        var f = await Assert.ThrowsAsync<FragilityException>(() => FragilityServer.StartAsync(new ServeOptions { ModelsDirectory = "/no/such/folder", Port = 0 }));
        Assert.Contains("--models", f.Message);
    }

    private static bool IsStep(JsonElement e) => e.GetProperty("type").GetString() == "step";

    private static string Numbers(List<JsonElement> events) =>
        string.Join(";", events.Where(IsStep).Select(e => $"{e.GetProperty("topk").GetDouble():R},{e.GetProperty("spearman").GetDouble():R},{e.GetProperty("label").GetInt64()}")) +
        "|" + events[^1].GetProperty("type").GetString() + events[^1].GetProperty("criterion").GetDouble().ToString("R");

    /// <summary>The answer is a JSON error of <paramref name="status"/> containing <paramref name="part"/>, with no stack
    /// trace, and the server logged it; returns the message.</summary>
    private async Task<string> AssertError(HttpResponseMessage response, HttpStatusCode status, string part)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        string message = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
        Assert.Contains(part, message);
        Assert.DoesNotContain("   at ", text);
        Assert.DoesNotContain(".cs:line", text);
        Assert.Contains(message, serve.Log);
        return message;
    }
}
