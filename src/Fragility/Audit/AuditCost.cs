namespace Fragility.Audit;

/// <summary>
/// The measured cost model of an audit, from its calibration: a run of n images and P attack iterations takes about
/// <c>Overhead + n x (FixedPerImage + P x PerIterationPerImage)</c> seconds.
/// </summary>
/// <param name="FixedPerImage">Seconds per image that do not grow with the iterations (clean maps, random draws, checks).</param>
/// <param name="PerIterationPerImage">Seconds per image and iteration, over every method, attack and epsilon.</param>
/// <param name="Overhead">Seconds that do not grow with the images (writing the score card, figures and report).</param>
public sealed record AuditCost(double FixedPerImage, double PerIterationPerImage, double Overhead)
{
    /// <summary>Estimated seconds of <paramref name="images"/> images at <paramref name="iterations"/> iterations.</summary>
    public double Seconds(int images, int iterations) => Overhead + images * (FixedPerImage + iterations * PerIterationPerImage);

    /// <summary>Most images that fit <paramref name="seconds"/> at <paramref name="iterations"/> iterations (0 when none does).</summary>
    public int ImagesWithin(double seconds, int iterations)
    {
        double perImage = FixedPerImage + iterations * PerIterationPerImage;
        double room = seconds - Overhead;
        if (room <= 0) return 0;
        if (perImage <= 0) return int.MaxValue;
        return (int)Math.Min(int.MaxValue, Math.Floor(room / perImage));
    }
}
