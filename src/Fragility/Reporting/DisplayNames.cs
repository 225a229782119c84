namespace Fragility.Reporting;

/// <summary>Human-readable names of the method and attack identifiers used in sweep files; unknown ids are shown as they are.</summary>
internal static class DisplayNames
{
    private static readonly Dictionary<string, string> Methods = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gradient"] = "Simple gradient",
        ["simple_gradient"] = "Simple gradient",
        ["saliency"] = "Simple gradient",
        ["ig"] = "Integrated gradients",
        ["integrated_gradients"] = "Integrated gradients",
        ["deeplift"] = "DeepLIFT",
        ["lrp"] = "Relevance propagation",
        ["relevance"] = "Relevance propagation",
        ["gradient_x_input"] = "Gradient × input",
        ["grad_x_input"] = "Gradient × input",
        ["lrp_epsilon"] = "LRP-ε",
        ["deeplift_gradmax"] = "DeepLIFT (max-pool gradient)",
        ["gradxinput"] = "Gradient × input",
        ["input_x_gradient"] = "Gradient × input",
        ["smoothgrad"] = "SmoothGrad",
    };

    private static readonly Dictionary<string, string> Attacks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["random"] = "Random sign",
        ["random_walk"] = "Random-sign walk",
        ["topk"] = "Top-k",
        ["top_k"] = "Top-k",
        ["mass_center"] = "Mass-center",
        ["masscenter"] = "Mass-center",
        ["center"] = "Mass-center",
        ["targeted"] = "Targeted",
    };

    public static string Method(string id) =>
        Methods.TryGetValue(id, out var name) ? name
        // The audit's beta-smoothed gradient (the beta-smoothing defence), e.g. gradient_beta2.
        : id.StartsWith("gradient_beta", StringComparison.OrdinalIgnoreCase) ? $"Gradient, β-smoothed (β = {id["gradient_beta".Length..]})"
        : id;

    public static string Attack(string id) => Attacks.TryGetValue(id, out var name) ? name : id;
}
