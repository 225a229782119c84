using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fragility.Serve;

/// <summary>
/// The local web application of <c>fragility serve</c>: one page (embedded, no external resources) to load an image,
/// see the prediction and every method's map, and attack a map while watching each iterate. It binds to the
/// loopback address unless told otherwise; uploads go to a temporary folder of its own, deleted when it stops.
/// </summary>
public sealed class FragilityServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ModelCatalog _catalog;
    private readonly Endpoints _endpoints;
    private readonly string _temp;

    private FragilityServer(WebApplication app, ModelCatalog catalog, Endpoints endpoints, string temp, Uri address)
    {
        _app = app;
        _catalog = catalog;
        _endpoints = endpoints;
        _temp = temp;
        Address = address;
    }

    /// <summary>The page's address, e.g. http://127.0.0.1:5117/.</summary>
    public Uri Address { get; }

    /// <summary>The temporary folder of this server (uploads live there while they are decoded).</summary>
    public string TemporaryFolder => _temp;

    /// <summary>Starts listening.</summary>
    /// <exception cref="FragilityException">A bad option: unknown model file or folder, a host that is not an IP
    /// address, a port in use.</exception>
    public static async Task<FragilityServer> StartAsync(ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IPAddress.TryParse(options.Host, out var host))
            throw new FragilityException($"--host '{options.Host}' is not an IP address: give e.g. 127.0.0.1 (the default) or 0.0.0.0.");
        if (options.Port is < 0 or > 65535) throw new FragilityException($"--port must be in 0..65535, got {options.Port}.");
        var catalog = new ModelCatalog(options.ModelPath, options.ModelsDirectory);
        string temp = Directory.CreateTempSubdirectory("fragility-serve-").FullName;
        string uploads = Directory.CreateDirectory(Path.Combine(temp, "uploads")).FullName;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production", ContentRootPath = temp, ApplicationName = typeof(FragilityServer).Assembly.GetName().Name,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, QuietLifetime>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxUploadBytes + Endpoints.FormOverhead;
            k.Listen(host, options.Port);
        });
        builder.Services.Configure<FormOptions>(f =>
        {
            f.MultipartBodyLengthLimit = options.MaxUploadBytes;
            f.ValueCountLimit = 16;
        });
        var app = builder.Build();
        var endpoints = new Endpoints(options, catalog, uploads);
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            // The page loads nothing from elsewhere and runs no inline script: markup smuggled into a name cannot run.
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            try
            {
                await next(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The browser left; nobody to answer.
            }
            catch (Exception e)
            {
                await ServeErrors.Write(context, e, options.Log);
            }
        });
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            string message = $"HTTP {context.Response.StatusCode}: {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(context.Response.StatusCode)}.";
            options.Log.WriteLine($"serve: {context.Request.Method} {context.Request.Path}: {message}");
            await context.Response.WriteAsJsonAsync(new { error = message });
        });
        endpoints.Map(app);
        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            catalog.Dispose();
            Directory.Delete(temp, recursive: true);
            throw new FragilityException($"Cannot listen on {options.Host}:{options.Port}: {e.Message} Choose another --port.");
        }
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var address = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        return new FragilityServer(app, catalog, endpoints, temp, address);
    }

    /// <summary>Stops attacks and the server, frees the models and deletes the temporary folder.</summary>
    public async ValueTask DisposeAsync()
    {
        _endpoints.StopAll();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _catalog.Dispose();
        try { Directory.Delete(_temp, recursive: true); }
        catch (IOException) { /* already gone */ }
    }
}
