using Fragility.Attribution;

namespace Fragility.Experiments;

/// <summary>Makes the attribution method called <paramref name="name"/>; <paramref name="igSteps"/> is the number
/// of path points for integrated gradients (the sweep asks for --ig-steps for maps and the criterion and for
/// --attack-steps for attack gradients); other methods ignore it.</summary>
/// <param name="name">Method name as given in the sweep settings.</param>
/// <param name="igSteps">Path points M of integrated gradients.</param>
public delegate IAttributionMethod SweepMethodFactory(string name, int igSteps);
