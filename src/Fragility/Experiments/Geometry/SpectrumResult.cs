using Fragility.Attacks;
using Fragility.Geometry;

namespace Fragility.Experiments.Geometry;

/// <summary>What <see cref="SpectrumExperiment.Measure"/> found: the input-Hessian spectra per beta and the top-k
/// attack's effect per image. The numbers only; <see cref="SpectrumWriter"/> writes them.</summary>
/// <param name="ModelName">Model file name, for the texts.</param>
/// <param name="Settings">The top-k attack's settings (its beta is among the spectra's).</param>
/// <param name="LanczosSteps">Lanczos steps per image and beta.</param>
/// <param name="Images">Index of each image in the data set's test split.</param>
/// <param name="Spectra">One entry per beta, in increasing beta.</param>
/// <param name="Attack">Per image, how far the top-k attack moved the simple-gradient map.</param>
public sealed record SpectrumResult(string ModelName, AttackSettings Settings, int LanczosSteps, IReadOnlyList<int> Images,
    IReadOnlyList<BetaSpectrum> Spectra, IReadOnlyList<MapFragilityRecord> Attack)
{
    /// <summary>The spectra at the attack's beta.</summary>
    public BetaSpectrum AtAttackBeta => Spectra.Single(s => s.Beta == Settings.Beta);
}
