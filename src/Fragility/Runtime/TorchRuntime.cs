using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Fragility.Runtime;

/// <summary>Process-wide TorchSharp settings: threads, the device every tensor lives on, and the allocator tuning
/// measured in docs/platform.md §6.</summary>
public static class TorchRuntime
{
    private static bool _initialized;

    /// <summary>The text of the fix named when CUDA is asked for but cannot be used.</summary>
    public const string CudaFix = "build Fragility with -p:TorchBackend=cuda (the CUDA libtorch) and run it on a machine with an NVIDIA GPU and its driver, or give --device cpu";

    /// <summary>The device chosen by <see cref="UseDevice"/> (CPU until then).</summary>
    public static Device Device { get; private set; } = torch.CPU;

    /// <summary>Parses "cpu", "cuda" or "cuda:N" (N a non-negative integer) without touching libtorch.</summary>
    /// <exception cref="FragilityException">Any other text, in one line naming the accepted forms.</exception>
    public static (DeviceType Type, int Index) ParseDevice(string? text)
    {
        string t = (text ?? "cpu").Trim().ToLowerInvariant();
        if (t == "cpu") return (DeviceType.CPU, -1);
        if (t == "cuda") return (DeviceType.CUDA, -1);
        if (t.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(t.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
            return (DeviceType.CUDA, index);
        throw new FragilityException($"--device '{text}' is not a device: give cpu, cuda or cuda:N (N the GPU's number, from 0).");
    }

    /// <summary>Makes <paramref name="text"/> ("cpu", "cuda", "cuda:N") the device of every tensor made from now on
    /// (torch.set_default_device), after checking, before any tensor exists on it, that libtorch can use it: an error
    /// there would abort the process (docs/platform.md §2). Generators and reads under this default: docs/platform.md §7.</summary>
    /// <exception cref="FragilityException">Not a device; CUDA without a CUDA libtorch or a GPU; a GPU number past the last.</exception>
    public static Device UseDevice(string? text)
    {
        var (type, index) = ParseDevice(text);
        if (type == DeviceType.CUDA)
        {
            if (!torch.cuda.is_available())
                throw new FragilityException($"--device {text}: CUDA is not available here (this build's libtorch is the CPU one, or no NVIDIA GPU and driver were found): {CudaFix}.");
            int count = torch.cuda.device_count();
            if (index >= count)
                throw new FragilityException($"--device {text}: this machine has {count} CUDA device(s), numbered 0 to {count - 1}: give one of those, or cuda.");
        }
        var device = index < 0 ? new Device(type) : new Device(type, index);
        torch.set_default_device(device);
        Device = device;
        return device;
    }

    /// <summary><see cref="Initialize(int?)"/> and then <see cref="UseDevice"/>: what every computing command calls first.</summary>
    public static Device Initialize(int? threads, string? device)
    {
        Initialize(threads);
        return UseDevice(device);
    }

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
