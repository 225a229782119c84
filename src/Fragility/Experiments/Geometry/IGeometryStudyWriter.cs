namespace Fragility.Experiments.Geometry;

/// <summary>
/// How one geometry study writes its typed result into a report folder (<see cref="GeometryFiles.Write"/>): its
/// tables, its figures, its summary in words and numbers, and the section text around them. The study's measurement
/// knows nothing of files; its writer nothing of models.
/// </summary>
/// <typeparam name="TResult">The study's result record.</typeparam>
public interface IGeometryStudyWriter<in TResult>
{
    /// <summary>Section title in the report.</summary>
    string Title { get; }

    /// <summary>Caption per figure and top-level table file name.</summary>
    IReadOnlyDictionary<string, string> Captions { get; }

    /// <summary>Writes the CSV tables (summary tables at the top, per-image ones in <see cref="GeometryFiles.DetailFolder"/>).</summary>
    void WriteTables(TResult result, string outDir);

    /// <summary>Writes the PNG figures.</summary>
    void WriteFigures(TResult result, string outDir);

    /// <summary>The headlines in words and the headline numbers.</summary>
    ExperimentSummary Summarise(TResult result, string outDir);

    /// <summary>The section's paragraph: what was measured, on what, and the headlines.</summary>
    string Description(TResult result, ExperimentSummary summary);
}
