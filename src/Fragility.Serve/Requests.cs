namespace Fragility.Serve;

/// <summary>The JSON body of POST /api/attacks; every field is checked by the server (missing, wrong, out of range).</summary>
internal sealed record AttackRequest(string? Image, string? Method, string? Attack, double? Epsilon, int? Iterations, double? Step, string? Target);

/// <summary>The JSON body of POST /api/images/dataset: test image number <see cref="Index"/> of a data set.</summary>
internal sealed record DatasetImageRequest(string? Model, string? Dataset, int? Index);
