using System.Runtime.InteropServices;
using TorchSharp;

namespace Fragility.Runtime;

/// <summary>Process-wide TorchSharp settings: threads and the allocator tuning measured in docs/platform.md §6.</summary>
public static class TorchRuntime
{
    private static bool _initialized;

    /// <summary>Sets the number of intra-op threads (default: all cores) and raises glibc's mmap/trim thresholds,
    /// which measured 2-4x faster on large batches here (big tensors are otherwise returned to the OS on every free).</summary>
    public static void Initialize(int? threads = null)
    {
        int n = threads ?? Environment.ProcessorCount;
        if (n < 1) throw new FragilityException($"--threads must be at least 1, got {n}.");
        torch.set_num_threads(n);
        if (_initialized) return;
        _initialized = true;
        if (OperatingSystem.IsLinux())
        {
            try
            {
                const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;
                mallopt(M_MMAP_THRESHOLD, 512 * 1024 * 1024);
                mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (e.g. musl): keep the default allocator.
            }
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
