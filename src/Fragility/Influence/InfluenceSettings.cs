namespace Fragility.Influence;

/// <summary>
/// The conventions of the influence experiments (issue 8), fixed so that results reproduce: which classes, which
/// training images, which test points, the head's regularisation and how H^-1 is applied.
/// </summary>
public sealed record InfluenceSettings
{
    /// <summary>The default classes on Fashion-MNIST: "Sneaker,Ankle boot" (label 0 Sneaker, label 1 Ankle boot).</summary>
    public const string DefaultClasses = "Sneaker,Ankle boot";

    /// <summary>
    /// Classes of the task, comma-separated, by name (case-insensitive) or index; the i-th becomes label i, so for two
    /// classes label 1 is the second. "all" takes every class of the data set (a softmax head). Default
    /// <see cref="DefaultClasses"/>.
    /// </summary>
    public string Classes { get; init; } = DefaultClasses;

    /// <summary>Training set of the head: the first this-many training images of each class, in file order (default 500).</summary>
    public int TrainPerClass { get; init; } = 500;

    /// <summary>Test points: the first this-many test images of the classes, in file order, that the head classifies correctly (default 100).</summary>
    public int Tests { get; init; } = 100;

    /// <summary>lambda of the objective mean cross-entropy + (lambda/2) ||w||^2 (biases not regularised); default 0.1.</summary>
    public double L2 { get; init; } = 0.1;

    /// <summary>How H^-1 is applied (default exact Cholesky).</summary>
    public InverseHessianMethod Solver { get; init; } = InverseHessianMethod.Exact;

    /// <summary>Relative residual at which conjugate gradient stops (default 1e-10).</summary>
    public double CgTolerance { get; init; } = 1e-10;

    /// <summary>LiSSA settings, used when <see cref="Solver"/> is LiSSA.</summary>
    public LissaOptions Lissa { get; init; } = new();

    /// <summary>Largest head (parameters) for which the exact Hessian is formed (default 5000: 200 MB).</summary>
    public int ExactHessianLimit { get; init; } = 5000;

    /// <summary>Newton stopping rules of the head's training.</summary>
    public NewtonOptions Newton { get; init; } = new();

    /// <summary>Checks the values; throws <see cref="FragilityException"/> naming the option to fix.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Classes)) throw new FragilityException("--classes is empty: give two or more classes (names or indices), or 'all'.");
        if (TrainPerClass < 1) throw new FragilityException($"--train-per-class must be at least 1, got {TrainPerClass}.");
        if (Tests < 1) throw new FragilityException($"--tests must be at least 1, got {Tests}.");
        if (!(L2 > 0) || !double.IsFinite(L2)) throw new FragilityException($"--l2 must be a positive number, got {L2}: without it the head's Hessian can be singular.");
        if (!(CgTolerance > 0)) throw new FragilityException($"The CG tolerance must be positive, got {CgTolerance}.");
        Lissa.Validate();
    }
}
