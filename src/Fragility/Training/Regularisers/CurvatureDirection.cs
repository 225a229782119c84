namespace Fragility.Training.Regularisers;

/// <summary>The direction v along which <see cref="CurvaturePenalty"/> takes its finite difference of input gradients.</summary>
public enum CurvatureDirection
{
    /// <summary>Random signs v in {-1, +1}^d, one draw per input and step (Rademacher). Name "random".</summary>
    Random,

    /// <summary>The gradient-sign direction v = sign(d CE / d x) of each input, the direction a one-step attack on the
    /// prediction takes (as in CURE, Moosavi-Dezfooli et al. 2019). Name "attack".</summary>
    Attack,
}
