using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Fragility.Data;
using Fragility.Models;
using TorchSharp;

namespace Fragility.Serve.Tests;

/// <summary>
/// A running <see cref="FragilityServer"/> on a free loopback port with the shipped model as default and a --models
/// folder holding one extra model whose class names carry markup; its log is kept for the tests to read.
/// </summary>
public sealed class ServeHarness : IAsyncLifetime
{
    /// <summary>Class names of the extra model: markup that must stay text on the page.</summary>
    public const string EvilClass = "<b>Bag</b><img src=x onerror=\"document.title='pwned'\">";

    /// <summary>File name of the extra model in the --models folder.</summary>
    public const string EvilModel = "markup-classes.safetensors";

    /// <summary>A file in the --models folder that only looks like a model.</summary>
    public const string BrokenModel = "broken.safetensors";

    private readonly StringWriter _log = new();

    public string Folder { get; } = Directory.CreateTempSubdirectory("serve-tests-").FullName;

    public FragilityServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The name the shipped model goes by.</summary>
    public string ShippedModel => ModelStore.ShippedModelFile;

    /// <summary>Everything the server logged so far.</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public async Task InitializeAsync()
    {
        torch.set_num_threads(1);
        string models = Directory.CreateDirectory(Path.Combine(Folder, "models")).FullName;
        var metadata = new ModelMetadata
        {
            Preprocessing = new Preprocessing(),
            ClassNames = Enumerable.Range(0, 10).Select(i => i == 0 ? EvilClass : $"class {i}").ToArray(),
            Dataset = "synthetic",
        };
        torch.manual_seed(1);
        using (var model = ModelStore.Create(metadata)) ModelStore.Save(model, Path.Combine(models, EvilModel));
        File.WriteAllText(Path.Combine(models, "notes.txt"), "not a model");
        File.WriteAllText(Path.Combine(models, BrokenModel), "not a model either");
        Server = await FragilityServer.StartAsync(new ServeOptions { Port = 0, ModelsDirectory = models, Log = new LockedWriter(_log) });
        Http = new HttpClient { BaseAddress = Server.Address };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Writes test image <paramref name="index"/> of the shipped sample as a PNG named <paramref name="name"/>.</summary>
    public string SamplePng(int index, string name)
    {
        using var data = DatasetCatalog.Load(DatasetCatalog.Sample, DatasetSplit.Test, null, null, index + 1);
        string path = Path.Combine(Folder, name);
        ImageCodec.SavePng(data.Images[index], path);
        return path;
    }

    /// <summary>POSTs an image file as the page does.</summary>
    public Task<HttpResponseMessage> Upload(string? model, byte[]? bytes, string fileName = "image.png", string mediaType = "image/png")
    {
        var form = new MultipartFormDataContent();
        if (model is not null) form.Add(new StringContent(model), "model");
        if (bytes is not null)
        {
            var file = new ByteArrayContent(bytes);
            file.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            form.Add(file, "file", fileName);
        }
        return Http.PostAsync("/api/images", form);
    }

    /// <summary>POSTs raw JSON text.</summary>
    public Task<HttpResponseMessage> PostJson(string url, string json) =>
        Http.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>Loads test image <paramref name="index"/> of the sample through the page's API; returns its JSON.</summary>
    public async Task<JsonElement> SampleImage(int index, string? model = null)
    {
        var response = await Http.PostAsJsonAsync("/api/images/dataset", new { model = model ?? ShippedModel, dataset = "sample", index });
        return await Ok(response);
    }

    /// <summary>Starts an attack; returns its id.</summary>
    public async Task<string> StartAttack(object request)
    {
        var body = await Ok(await Http.PostAsJsonAsync("/api/attacks", request));
        return body.GetProperty("id").GetString()!;
    }

    /// <summary>Reads the attack's event stream to its last event (or until <paramref name="until"/> says stop reading).</summary>
    public async Task<List<JsonElement>> Events(string job, Func<JsonElement, bool>? until = null)
    {
        using var response = await Http.GetAsync($"/api/attacks/{job}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<JsonElement>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var e = JsonDocument.Parse(line[6..]).RootElement.Clone();
            events.Add(e);
            if (until?.Invoke(e) == true) break;
        }
        return events;
    }

    /// <summary>The JSON body of a 200 answer (failing with the body otherwise).</summary>
    public static async Task<JsonElement> Ok(HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    // StringWriter is not thread-safe and the log is read while the server writes.
    private sealed class LockedWriter(StringWriter inner) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            lock (inner) inner.Write(value);
        }

        public override void Write(string? value)
        {
            lock (inner) inner.Write(value);
        }

        public override void WriteLine(string? value)
        {
            lock (inner) inner.WriteLine(value);
        }
    }
}
