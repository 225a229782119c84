using System.Collections.Concurrent;
using TorchSharp;

namespace Fragility.Serve;

/// <summary>
/// The one thread that touches a model: every piece of work on it (maps, predictions, attacks) is queued here and
/// run in order, so two requests never switch its activations (ReLU or softplus) under each other. Each piece runs
/// in its own dispose scope. The model is loaded on first use, on this thread.
/// </summary>
internal sealed class ModelWorker : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly Thread _thread;
    private readonly string _path;
    private LoadedModel? _model;
    private int _pending;

    public ModelWorker(string name, string path)
    {
        Name = name;
        _path = path;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"fragility-serve {name}" };
        _thread.Start();
    }

    /// <summary>The model's name in the catalog.</summary>
    public string Name { get; }

    /// <summary>Work queued or running.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Queues <paramref name="work"/>; it is skipped if <paramref name="cancellation"/> fires before it starts.</summary>
    public Task<T> Run<T>(Func<LoadedModel, T> work, CancellationToken cancellation = default)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _pending);
        void Item()
        {
            try
            {
                cancellation.ThrowIfCancellationRequested();
                // Loaded outside any dispose scope: the model's weights and its reference live as long as the worker.
                _model ??= LoadedModel.Load(Name, _path);
                using var scope = torch.NewDisposeScope();
                done.TrySetResult(work(_model));
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { done.TrySetCanceled(cancellation); }
            catch (Exception e) { done.TrySetException(e); }
            finally { Interlocked.Decrement(ref _pending); }
        }
        try
        {
            _queue.Add(Item);
        }
        catch (InvalidOperationException)
        {
            Interlocked.Decrement(ref _pending);
            throw new ServeException(503, "The server is stopping.");
        }
        return done.Task;
    }

    private void Loop()
    {
        foreach (var item in _queue.GetConsumingEnumerable()) item();
    }

    /// <summary>Lets queued work finish (attacks are cancelled by their owner first), then frees the model.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
        _model?.Classifier.Dispose();
    }
}
