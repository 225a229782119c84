namespace Fragility.Experiments;

/// <summary>One explained input: a line of explanations.jsonl.</summary>
/// <param name="Index">Position among the inputs (the file stem of its maps, e.g. 0007).</param>
/// <param name="Item">The input's name (file or data-set item), when known.</param>
/// <param name="TrueLabel">The label the data gives, when it gives one.</param>
/// <param name="Label">The predicted label, which every map explains.</param>
/// <param name="LabelName">Its class name.</param>
/// <param name="Confidence">Softmax probability of <paramref name="Label"/>.</param>
/// <param name="CompletenessError">Per method of integrated gradients or DeepLIFT: |sum of attributions - (f(x) - f(reference))|
/// relative to |f(x) - f(reference)|.</param>
public sealed record ExplainedInput(int Index, string? Item, long? TrueLabel, long Label, string LabelName, double Confidence,
    IReadOnlyDictionary<string, double> CompletenessError);
