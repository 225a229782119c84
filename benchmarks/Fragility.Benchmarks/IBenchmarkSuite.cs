namespace Fragility.Benchmarks;

/// <summary>A group of related measurements ("maps", "attacks", ...), selected by name on the command line.</summary>
public interface IBenchmarkSuite
{
    /// <summary>Name used on the command line.</summary>
    string Name { get; }

    /// <summary>One line saying what is measured.</summary>
    string Description { get; }

    /// <summary>Runs the measurements, recording each in <paramref name="bench"/>.</summary>
    void Run(Bench bench);
}
