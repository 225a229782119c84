using System.Runtime.InteropServices;

namespace Fragility.Runtime;

/// <summary>
/// Gives freed native memory back to the operating system. libtorch allocates every temporary of a step with the C
/// allocator; glibc keeps freed chunks for reuse, and with the large, differently sized temporaries of double
/// backpropagation at 224x224 its retained heap creeps up step after step although no tensor outlives its step (the
/// memory benchmark, README "Memory"). <c>malloc_trim</c> returns the free part. Written by hand because .NET has no
/// binding for it; elsewhere than glibc it does nothing.
/// </summary>
public static partial class NativeMemory
{
    private static bool _available = OperatingSystem.IsLinux();

    /// <summary>Whether long loops give freed memory back (default true); the memory benchmark turns it off to measure the difference.</summary>
    public static bool Enabled { get; set; } = true;

    /// <summary>Steps between two returns in a long loop: rare enough that re-faulting the returned pages costs little.</summary>
    public const int Interval = 10;

    /// <summary>Returns the allocator's free memory to the operating system, when enabled and supported.</summary>
    public static void ReturnFreed()
    {
        if (!Enabled || !_available) return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _available = false;   // not glibc (e.g. musl): nothing to do
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
