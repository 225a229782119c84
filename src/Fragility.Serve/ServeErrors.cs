using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Fragility.Serve;

/// <summary>Turns every failure into one line: the page gets <c>{"error": "..."}</c> with a fitting status and the
/// log a line; no stack trace ever leaves the server.</summary>
internal static class ServeErrors
{
    /// <summary>The status and message for <paramref name="e"/>.</summary>
    public static (int Status, string Message) Classify(Exception e) => e switch
    {
        ServeException s => (s.Status, s.Message),
        FragilityException f => (400, f.Message),
        BadHttpRequestException b when b.StatusCode == StatusCodes.Status413PayloadTooLarge => (413, "The upload is too large."),
        BadHttpRequestException b => (b.StatusCode, "Bad request: " + FirstLine(b.Message)),
        InvalidDataException d when d.Message.Contains("limit", StringComparison.OrdinalIgnoreCase) => (413, "The upload is too large: " + FirstLine(d.Message)),
        InvalidDataException d => (400, "The form could not be read: " + FirstLine(d.Message)),
        JsonException j => (400, $"The body is not the JSON expected{(j.Path is { } p ? $" (at {p})" : "")}: send an object with the fields the page sends."),
        ExternalException x => (500, "The tensor library failed: " + FirstLine(x.Message)),
        IOException io => (500, "A file could not be read or written: " + FirstLine(io.Message)),
        _ => (500, $"Internal error: {e.GetType().Name}: {FirstLine(e.Message)}"),
    };

    /// <summary>The log line's detail for <paramref name="e"/>: empty, or the whole exception when FRAGILITY_DEBUG=1
    /// (as the CLI does; it goes to the log, never to the page).</summary>
    public static string Detail(Exception e) =>
        Environment.GetEnvironmentVariable("FRAGILITY_DEBUG") == "1" ? Environment.NewLine + e : "";

    /// <summary>The message alone.</summary>
    public static string Message(Exception e) => Classify(e).Message;

    /// <summary>Writes the JSON error answer (if the answer has not started) and the log line.</summary>
    public static async Task Write(HttpContext context, Exception e, TextWriter log)
    {
        var (status, message) = Classify(e);
        log.WriteLine($"serve: {context.Request.Method} {context.Request.Path}: {status} {message}{Detail(e)}");
        if (context.Response.HasStarted) return;
        context.Response.Clear();
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new { error = message });
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();
}
