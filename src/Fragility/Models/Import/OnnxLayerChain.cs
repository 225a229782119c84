namespace Fragility.Models.Import;

/// <summary>
/// Recognises an imported graph as a chain of <see cref="LayerNode"/>s: single-input layers one after the other,
/// and branch points whose branches (chains themselves) meet in one Concat along channels, which becomes a
/// <see cref="ConcatNode"/> with the branches in the Concat's input order.
/// </summary>
internal static class OnnxLayerChain
{
    private sealed class NotAChain(string reason) : Exception(reason);

    /// <summary>The chain, or null and the reason it does not exist.</summary>
    public static (IReadOnlyList<LayerNode>? Chain, string? Reason) Build(List<OnnxStep> steps, string input, string output)
    {
        var consumers = new Dictionary<string, List<OnnxStep>>();
        foreach (var s in steps)
            foreach (var n in s.Inputs)
            {
                if (!consumers.TryGetValue(n, out var list)) consumers[n] = list = [];
                list.Add(s);
            }
        try
        {
            var (nodes, _) = Walk(input, inBranch: false, consumers, output);
            return (nodes, null);
        }
        catch (NotAChain e) { return (null, e.Message); }
    }

    private static (List<LayerNode> Nodes, string End) Walk(string start, bool inBranch, Dictionary<string, List<OnnxStep>> consumers, string output)
    {
        var nodes = new List<LayerNode>();
        string cur = start;
        while (true)
        {
            if (cur == output)
            {
                if (inBranch) throw new NotAChain("the output is taken from inside a branch");
                return (nodes, cur);
            }
            var cs = consumers.GetValueOrDefault(cur) ?? throw new NotAChain($"value '{cur}' leads nowhere");
            if (cs.Count == 1)
            {
                var s = cs[0];
                if (s.Unary is not null)
                {
                    nodes.Add(new ModuleNode(s.Unary, s.Name));
                    cur = s.Output;
                    continue;
                }
                if (s.JoinsChannels && inBranch) return (nodes, cur);
                throw new NotAChain(s.JoinsChannels
                    ? $"Concat node '{s.NodeName}' joins tensors that do not branch from one point"
                    : NotALayer(s));
            }
            var (branches, join) = Branches(cur, cs, consumers, output);
            nodes.Add(new ConcatNode(branches));
            cur = join.Output;
        }
    }

    private static string NotALayer(OnnxStep s) => s.Inputs.Length > 1
        ? $"node '{s.NodeName}' ({s.OpType}) combines several computed tensors (e.g. a residual connection)"
        : $"node '{s.NodeName}' ({s.OpType}) makes a tensor whose size follows the batch (e.g. a class token), not a layer of the chain";

    private static (IReadOnlyList<IReadOnlyList<LayerNode>> Branches, OnnxStep Join) Branches(
        string point, List<OnnxStep> cs, Dictionary<string, List<OnnxStep>> consumers, string output)
    {
        var ends = new Dictionary<string, List<LayerNode>>();
        var joins = new HashSet<OnnxStep>();
        foreach (var c in cs)
        {
            if (c.JoinsChannels)
            {
                ends[point] = [];   // the branch point itself is a Concat input: an empty (identity) branch
                joins.Add(c);
                continue;
            }
            if (c.Unary is null) throw new NotAChain(NotALayer(c));
            var (rest, end) = Walk(c.Output, inBranch: true, consumers, output);
            ends[end] = [new ModuleNode(c.Unary, c.Name), .. rest];
            joins.Add(consumers[end][0]);
        }
        if (joins.Count != 1) throw new NotAChain($"the branches that start at '{point}' do not meet in one Concat");
        var join = joins.Single();
        if (!join.Inputs.ToHashSet().SetEquals(ends.Keys))
            throw new NotAChain($"Concat node '{join.NodeName}' also takes tensors from outside the branches that start at '{point}'");
        return (join.OrderedInputs.Select(n => (IReadOnlyList<LayerNode>)ends[n]).ToList(), join);
    }
}
