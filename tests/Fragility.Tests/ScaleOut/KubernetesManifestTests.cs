using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Fragility.Tests.ScaleOut;

/// <summary>
/// The Kubernetes launch files parse, describe an Indexed Job of the documented N shards whose pods learn N from
/// FRAGILITY_SHARD_COUNT, and a merge Job that reads the folder the shards write, on the same volume.
/// </summary>
public sealed class KubernetesManifestTests
{
    private const string SweepFile = "cluster/kubernetes/fragility-sweep.yaml";
    private const string MergeFile = "cluster/kubernetes/fragility-merge.yaml";

    [Fact]
    public void SweepManifest_IsIndexedJob_WithCompletionsAndParallelismEqualToDocumentedN()
    {
        var job = SingleJob(SweepFile, "fragility-sweep");
        var spec = Map(job, "spec");
        Assert.Equal("Indexed", Scalar(spec, "completionMode"));
        int n = DocumentedShardCount();
        Assert.Equal(n, int.Parse(Scalar(spec, "completions")));
        Assert.Equal(n, int.Parse(Scalar(spec, "parallelism")));

        var container = OnlyContainer(spec);
        var env = Seq(container, "env").Children.Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"), e => Scalar(e, "value"));
        Assert.Equal(n.ToString(), env["FRAGILITY_SHARD_COUNT"]);
        var args = Args(container);
        Assert.Equal("sweep", args[0]);
        // The shard comes from JOB_COMPLETION_INDEX: a fixed --shard would make every pod run the same shard.
        Assert.DoesNotContain("--shard", args);
        // Threads match the CPUs the pod asks for.
        string cpus = Scalar(Map(Map(container, "resources"), "requests"), "cpu");
        Assert.Equal(cpus, OptionValue(args, "--threads"));
        Assert.Equal(cpus, env["OMP_NUM_THREADS"]);
    }

    [Fact]
    public void MergeJob_ReadsTheFolderTheShardsWrite_OnTheSameClaim()
    {
        var sweepSpec = Map(Map(Map(SingleJob(SweepFile, "fragility-sweep"), "spec"), "template"), "spec");
        var mergeSpec = Map(Map(Map(SingleJob(MergeFile, "fragility-merge"), "spec"), "template"), "spec");

        string sweepClaim = Claim(sweepSpec, out string sweepVolume);
        string mergeClaim = Claim(mergeSpec, out string mergeVolume);
        Assert.Equal(sweepClaim, mergeClaim);
        // The claim is declared, and shareable between pods on different nodes.
        var pvc = Documents(SweepFile).Single(d => Scalar(d, "kind") == "PersistentVolumeClaim");
        Assert.Equal(sweepClaim, Scalar(Map(pvc, "metadata"), "name"));
        Assert.Contains("ReadWriteMany", Seq(Map(pvc, "spec"), "accessModes").Children.Select(c => ((YamlScalarNode)c).Value));

        var sweepContainer = OnlyContainer(Map(SingleJob(SweepFile, "fragility-sweep"), "spec"));
        var mergeContainer = OnlyContainer(Map(SingleJob(MergeFile, "fragility-merge"), "spec"));
        string written = OptionValue(Args(sweepContainer), "--out");
        var mergeArgs = Args(mergeContainer);
        Assert.Equal("merge", mergeArgs[0]);
        Assert.Equal(written, mergeArgs[1]);
        // Both paths lie under the mount of that same claim.
        Assert.StartsWith(MountPath(sweepContainer, sweepVolume) + "/", written);
        Assert.StartsWith(MountPath(mergeContainer, mergeVolume) + "/", mergeArgs[1]);
    }

    [Fact]
    public void RunScript_AppliesTheSweep_WaitsForIt_ThenTheMerge()
    {
        string script = File.ReadAllText(RepositoryFiles.Path("cluster/kubernetes/run.sh"));
        int sweep = script.IndexOf("fragility-sweep.yaml", StringComparison.Ordinal);
        int wait = script.IndexOf("wait_job fragility-sweep", StringComparison.Ordinal);
        int merge = script.IndexOf("apply -f \"$here/fragility-merge.yaml\"", StringComparison.Ordinal);
        Assert.True(sweep >= 0 && wait > sweep && merge > wait, "run.sh must apply the sweep, wait for it, then apply the merge");
    }

    /// <summary>N as the cluster README states it ("**N = 8**").</summary>
    private static int DocumentedShardCount()
    {
        string readme = File.ReadAllText(RepositoryFiles.Path("cluster/README.md"));
        var m = Regex.Match(readme, @"\*\*N = (\d+)\*\*");
        Assert.True(m.Success, "cluster/README.md must state the Kubernetes shard count as **N = <number>**");
        return int.Parse(m.Groups[1].Value);
    }

    private static List<YamlMappingNode> Documents(string relative)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(RepositoryFiles.Path(relative))) stream.Load(reader);
        return stream.Documents.Select(d => Assert.IsType<YamlMappingNode>(d.RootNode)).ToList();
    }

    private static YamlMappingNode SingleJob(string relative, string name)
    {
        var job = Assert.Single(Documents(relative), d => Scalar(d, "kind") == "Job");
        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        Assert.Equal(name, Scalar(Map(job, "metadata"), "name"));
        return job;
    }

    private static YamlMappingNode OnlyContainer(YamlMappingNode jobSpec) =>
        Assert.IsType<YamlMappingNode>(Assert.Single(Seq(Map(Map(jobSpec, "template"), "spec"), "containers").Children));

    private static List<string> Args(YamlMappingNode container) =>
        Seq(container, "args").Children.Select(c => Assert.IsType<YamlScalarNode>(c).Value!).ToList();

    private static string OptionValue(List<string> args, string option)
    {
        int i = args.IndexOf(option);
        Assert.True(i >= 0 && i + 1 < args.Count, $"{option} has no value in {string.Join(' ', args)}");
        return args[i + 1];
    }

    private static string Claim(YamlMappingNode podSpec, out string volume)
    {
        var v = Assert.IsType<YamlMappingNode>(Assert.Single(Seq(podSpec, "volumes").Children));
        volume = Scalar(v, "name");
        return Scalar(Map(v, "persistentVolumeClaim"), "claimName");
    }

    private static string MountPath(YamlMappingNode container, string volume) =>
        Scalar(Seq(container, "volumeMounts").Children.Cast<YamlMappingNode>().Single(m => Scalar(m, "name") == volume), "mountPath");

    private static YamlMappingNode Map(YamlMappingNode node, string key) => Assert.IsType<YamlMappingNode>(node.Children[new YamlScalarNode(key)]);

    private static YamlSequenceNode Seq(YamlMappingNode node, string key) => Assert.IsType<YamlSequenceNode>(node.Children[new YamlScalarNode(key)]);

    private static string Scalar(YamlMappingNode node, string key) => Assert.IsType<YamlScalarNode>(node.Children[new YamlScalarNode(key)]).Value!;
}
