namespace Fragility.Models;

/// <summary>Which nonlinearity a <see cref="SwitchableActivation"/> computes.</summary>
public enum ActivationMode
{
    /// <summary>max(0, z): the network as trained and as evaluated.</summary>
    Relu,

    /// <summary>softplus_beta(z) = log(1 + exp(beta z)) / beta: the smooth twin whose Hessian is not zero,
    /// used to take second derivatives in attacks (docs/method.md §4.3).</summary>
    Softplus,
}
