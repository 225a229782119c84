using System.Text.Json.Nodes;
using Fragility.IO;

namespace Fragility.Tests.IO;

/// <summary>The one manifest rule and the folder lock every run folder uses.</summary>
public sealed class RunManifestTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fragility-manifest-" + Guid.NewGuid().ToString("N"));
    private static readonly string[] Keys = ["settings", "images"];

    public RunManifestTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, true);

    private static JsonObject Manifest(int iterations, string command = "fragility x") => new()
    {
        ["command"] = command, ["settings"] = new JsonObject { ["iterations"] = iterations }, ["images"] = new JsonArray(1, 2, 3),
    };

    [Fact]
    public void Fingerprint_DependsOnTheKeysOnly_AndIsTheDocumentedHash()
    {
        string a = RunManifest.Fingerprint(Manifest(300, "one"), Keys);
        Assert.Equal(a, RunManifest.Fingerprint(Manifest(300, "another command"), Keys));
        Assert.NotEqual(a, RunManifest.Fingerprint(Manifest(299), Keys));
        // The rule, computed independently: SHA-256 of the compact JSON of the keys, first 16 hex characters.
        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("{\"settings\":{\"iterations\":300},\"images\":[1,2,3]}"));
        Assert.Equal(Convert.ToHexStringLower(hash)[..16], a);
    }

    [Fact]
    public void Prepare_WritesThenResumesTheSameRun_AndRefusesAnotherNamingWhatDiffers()
    {
        string path = Path.Combine(_dir, "run.json");
        Assert.Null(RunManifest.Prepare(path, Manifest(300), Keys, "a sweep"));
        Assert.Equal(RunManifest.Fingerprint(Manifest(300), Keys), RunManifest.Read(path)![RunManifest.FingerprintKey]!.GetValue<string>());
        Assert.NotNull(RunManifest.Prepare(path, Manifest(300, "a later command"), Keys, "a sweep"));
        var refused = Assert.Throws<FragilityException>(() => RunManifest.Prepare(path, Manifest(30), Keys, "a sweep"));
        Assert.Contains("settings {\"iterations\":300} -> {\"iterations\":30}", refused.Message);
        Assert.DoesNotContain("images", refused.Message);
    }

    [Fact]
    public void DamagedManifest_IsOneClearError()
    {
        string path = Path.Combine(_dir, "run.json");
        File.WriteAllText(path, "{\"settings\": ");
        var e = Assert.Throws<FragilityException>(() => RunManifest.Prepare(path, Manifest(300), Keys, "a sweep"));
        Assert.Contains("is not valid JSON", e.Message);
    }

    [Fact]
    public void FolderLock_RefusesASecondRunUntilTheFirstEnds()
    {
        using (FolderLock.Take(_dir, "sweep", "sweep"))
        {
            var e = Assert.Throws<FragilityException>(() => FolderLock.Take(_dir, "sweep", "sweep"));
            Assert.Contains("in use by another sweep", e.Message);
            using var other = FolderLock.Take(_dir, "sweep.shard-1-of-2", "sweep");   // another name: another run's lock
        }
        using var again = FolderLock.Take(_dir, "sweep", "sweep");
        Assert.False(File.Exists(Path.Combine(_dir, ".sweep.shard-1-of-2.lock")));
    }
}
