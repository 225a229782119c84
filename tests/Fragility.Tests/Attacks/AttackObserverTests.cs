using Fragility.Attacks;
using Fragility.Attribution;
using TorchSharp;

namespace Fragility.Tests.Attacks;

/// <summary>The observer of the attack loop (what <c>fragility serve</c> streams): it sees every iterate, its best
/// admissible iterate is the returned one, and it does not change the result.</summary>
public sealed class AttackObserverTests : OneTorchThread
{
    [Theory]
    [InlineData(AttackNames.TopK)]
    [InlineData(AttackNames.RandomWalk)]
    public void Observer_SeesEveryStep_ItsBestAdmissibleIterateIsTheResult_AndTheResultIsUnchanged(string name)
    {
        using var model = AttackTestModels.Trained();
        var (images, _) = AttackTestModels.Blobs(3, seed: 31);
        using var x0 = images;
        var method = new SimpleGradient();
        using var clean = CleanReference.Compute(model, method, x0);
        var settings = new AttackSettings { Epsilon = 8, Step = 1, Iterations = 7, K = 10 };
        var attack = AttackFactory.Create(name, model, method, settings);

        var steps = new List<int>();
        var iterates = new List<float[][]>();
        var criteria = new List<double[]>();
        var admissible = new List<bool[]>();
        using var observed = attack.Run(clean, null, it =>
        {
            steps.Add(it.Step);
            iterates.Add(Enumerable.Range(0, 3).Select(i => it.Iterate[i].cpu().data<float>().ToArray()).ToArray());
            criteria.Add(it.Criterion.ToArray());
            admissible.Add(it.Admissible.ToArray());
            Assert.Equal(new long[] { 3, AttackTestModels.Size, AttackTestModels.Size }, it.Maps.shape);
        });
        using var plain = attack.Run(clean);

        Assert.Equal(Enumerable.Range(1, settings.Iterations), steps);
        Assert.True(plain.Perturbed.eq(observed.Perturbed).all().item<bool>(), "an observer changed the returned iterates");
        Assert.True(plain.PerturbedMaps.eq(observed.PerturbedMaps).all().item<bool>(), "an observer changed the returned maps");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(plain.Outcomes[i], observed.Outcomes[i]);
            // The tracker keeps the first strictly better admissible iterate (top-k intersection: lower is better).
            int best = -1;
            for (int s = 0; s < steps.Count; s++)
                if (admissible[s][i] && (best < 0 || criteria[s][i] < criteria[best][i])) best = s;
            Assert.True(best >= 0, "no admissible iterate observed");
            Assert.False(observed.Outcomes[i].Failed);
            Assert.Equal(criteria[best][i], observed.Outcomes[i].Criterion);
            Assert.Equal(iterates[best][i], observed.Perturbed[i].cpu().data<float>().ToArray());
        }
    }

    [Fact]
    public void CancelledFromTheObserver_StopsBeforeTheNextStep()
    {
        using var model = AttackTestModels.Trained();
        var (images, _) = AttackTestModels.Blobs(1, seed: 32);
        using var x0 = images;
        var method = new SimpleGradient();
        using var clean = CleanReference.Compute(model, method, x0);
        var attack = AttackFactory.Create(AttackNames.TopK, model, method, new AttackSettings { Iterations = 50 });
        using var cts = new CancellationTokenSource();
        int seen = 0;
        Assert.Throws<OperationCanceledException>(() => attack.Run(clean, null, it =>
        {
            seen++;
            if (it.Step == 2) cts.Cancel();
        }, cts.Token));
        Assert.Equal(2, seen);
    }
}
