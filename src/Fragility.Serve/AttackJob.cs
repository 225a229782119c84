using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Fragility.Serve;

/// <summary>
/// One attack started from the page: its events (queued, started, one per step, then done, stopped or error), kept
/// so that a late listener still sees them all, its stop switch and, once done, its result. Only the tab that
/// started it knows its id.
/// </summary>
internal sealed class AttackJob(string id, ServeImage image, AttackPlan plan)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly List<object> _events = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id { get; } = id;

    public ServeImage Image { get; } = image;

    public AttackPlan Plan { get; } = plan;

    /// <summary>Fires on the Stop button, a closed page or the server stopping.</summary>
    public CancellationTokenSource Stop { get; } = new();

    /// <summary>True after the last event (done, stopped or error).</summary>
    public bool Finished { get; private set; }

    /// <summary>The result, once done.</summary>
    public AttackFinal? Final { get; set; }

    /// <summary>Adds an event; after the last one, the step events' pictures are dropped.</summary>
    public void Publish(object payload, bool last = false)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (Finished) return;
            _events.Add(payload);
            Finished = last;
            if (last)
                foreach (var step in _events.OfType<StepEvent>()) step.Map = null;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    /// <summary>Every event from the first, waiting for new ones until the last.</summary>
    public async IAsyncEnumerable<string> Events([EnumeratorCancellation] CancellationToken cancellation)
    {
        for (int next = 0; ; )
        {
            string[] batch;
            bool finished;
            Task changed;
            lock (_lock)
            {
                // Serialised under the lock: the pictures of step events are dropped under it too.
                batch = _events.Skip(next).Select(e => JsonSerializer.Serialize(e, e.GetType(), Json)).ToArray();
                finished = Finished;
                changed = _changed.Task;
            }
            next += batch.Length;
            foreach (var e in batch) yield return e;
            if (finished) yield break;
            await changed.WaitAsync(cancellation);
        }
    }
}
