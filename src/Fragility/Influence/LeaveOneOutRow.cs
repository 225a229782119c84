namespace Fragility.Influence;

/// <summary>One leave-one-out comparison: the test-loss change predicted by the influence function and the actual one after retraining.</summary>
/// <param name="Test">Position of the test point in the list given to <see cref="LeaveOneOutValidation.Run"/>.</param>
/// <param name="TrainingPoint">Position of the removed training point in the training set (row of the objective).</param>
/// <param name="Side">"helpful" (I &lt; 0, among the most helpful) or "harmful" (among the most harmful).</param>
/// <param name="Influence">I(z_i, z_t).</param>
/// <param name="Predicted">Predicted change of the test loss on removing z_i: -(1/n) I(z_i, z_t).</param>
/// <param name="Actual">Actual change L(z_t; theta_-i) - L(z_t; theta) after retraining without z_i to convergence.</param>
public sealed record LeaveOneOutRow(int Test, int TrainingPoint, string Side, double Influence, double Predicted, double Actual);
