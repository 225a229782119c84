namespace Fragility.Serve;

/// <summary>How <c>fragility serve</c> starts: which models it offers, where it listens and what it accepts.</summary>
public sealed record ServeOptions
{
    /// <summary>The loopback address the server binds to unless <see cref="Host"/> says otherwise.</summary>
    public const string Loopback = "127.0.0.1";

    /// <summary>The default model file (--model), offered first; null means the shipped Fashion-MNIST model.</summary>
    public string? ModelPath { get; init; }

    /// <summary>A folder whose *.safetensors files are offered too (--models); only files directly in it, chosen by
    /// file name, are ever loaded.</summary>
    public string? ModelsDirectory { get; init; }

    /// <summary>Address to bind (--host); default the loopback address only.</summary>
    public string Host { get; init; } = Loopback;

    /// <summary>TCP port (--port); 0 picks a free one (tests). Default 5117.</summary>
    public int Port { get; init; } = 5117;

    /// <summary>Largest accepted upload in bytes: 10 MB.</summary>
    public long MaxUploadBytes { get; init; } = 10L * 1024 * 1024;

    /// <summary>Largest accepted image in pixels (width x height, read from the file's header before decoding):
    /// 16,777,216 (4096 x 4096).</summary>
    public long MaxPixels { get; init; } = 4096L * 4096;

    /// <summary>Largest number of iterations an attack may ask for: 1000.</summary>
    public int MaxIterations { get; init; } = 1000;

    /// <summary>Where log lines go (one line per request error or finished job); default standard error.</summary>
    public TextWriter Log { get; init; } = Console.Error;
}
