using Fragility.Geometry;

namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="AngleExperiment.Measure"/> found: per image the angles of <see cref="AngleMeasurement"/>, and
/// per direction their statistics. The numbers only; <see cref="AngleWriter"/> writes them.</summary>
/// <param name="ModelName">Model file name, for the texts.</param>
/// <param name="Beta">Softplus beta of the twin.</param>
/// <param name="K">k of the top-k objective, in pixels.</param>
/// <param name="LanczosSteps">Lanczos steps per image for the dominant eigenvector.</param>
/// <param name="Images">Index of each image in the data set's test split, in the order of <paramref name="Records"/>.</param>
/// <param name="Records">The angles per image.</param>
public sealed record AngleResult(string ModelName, double Beta, int K, int LanczosSteps, IReadOnlyList<int> Images, IReadOnlyList<AngleRecord> Records)
{
    /// <summary>The three directions compared with grad_x score_y, in table order: the top-k and mass-center objectives'
    /// gradients and the Hessian's dominant eigenvector.</summary>
    public IReadOnlyList<AngleDirection> Directions { get; } =
    [
        AngleDirection.Of("topk", "∇D top-k", Records.Select(r => r.TopKAngle).ToArray(), acute: false),
        AngleDirection.Of("mass_center", "∇D mass-center", Records.Select(r => r.MassCenterAngle).ToArray(), acute: false),
        AngleDirection.Of("eigenvector", "top Hessian eigenvector", Records.Select(r => r.EigenvectorAngle).ToArray(), acute: true),
    ];
}
