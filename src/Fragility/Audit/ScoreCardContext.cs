namespace Fragility.Audit;

/// <summary>What the score card states about the run besides its measurements.</summary>
internal sealed record ScoreCardContext(string Model, string Architecture, string Reference, string BetaMethod, int K, string Command);
