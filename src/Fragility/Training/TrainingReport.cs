namespace Fragility.Training;

/// <summary>What a training run did.</summary>
/// <param name="EpochLoss">Mean training loss per epoch.</param>
/// <param name="EpochAccuracy">Training accuracy per epoch (on the batches as seen during training).</param>
/// <param name="Seconds">Wall-clock training time.</param>
/// <param name="Test">Test-set evaluation after training, if a test set was given.</param>
public sealed record TrainingReport(double[] EpochLoss, double[] EpochAccuracy, double Seconds, EvaluationResult? Test);
