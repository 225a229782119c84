namespace Fragility.Serve;

/// <summary>A request the server refuses, with the HTTP status and the one-line message the page shows.</summary>
internal sealed class ServeException(int status, string message) : Exception(message)
{
    /// <summary>The HTTP status code of the answer (400, 404, 413, 415...).</summary>
    public int Status { get; } = status;
}
