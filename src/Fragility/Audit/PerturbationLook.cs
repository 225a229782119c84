namespace Fragility.Audit;

/// <summary>What a change of size epsilon looks like on the audited images.</summary>
/// <param name="Epsilon">Epsilon, 0-255 scale.</param>
/// <param name="Psnr">Mean peak signal-to-noise ratio (dB) of the random-sign perturbations of that size (above
/// about 40 dB a change is generally invisible; 30 dB is faint noise on close look).</param>
/// <param name="Picture">One audited image, clean and with the random-sign noise of every epsilon side by side (the same
/// file for every epsilon), relative to the audit folder; null when no arrays were kept.</param>
public sealed record PerturbationLook(double Epsilon, double Psnr, string? Picture);
