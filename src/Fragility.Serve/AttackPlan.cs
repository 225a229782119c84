using Fragility.Attacks;

namespace Fragility.Serve;

/// <summary>What one attack of the page does: method, attack, settings and the targeted attack's region
/// ("row0,col0,row1,col1", as <c>--target-region</c>).</summary>
internal sealed record AttackPlan(string Method, string Attack, AttackSettings Settings, string? Target)
{
    /// <summary>Iterates the attack evaluates: one for the single random draw, else P.</summary>
    public int Steps => Attack == AttackNames.Random ? 1 : Settings.Iterations;
}
