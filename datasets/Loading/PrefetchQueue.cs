using System.Threading.Channels;
using AnomalyBench.Torch;

namespace AnomalyBench.Datasets;

/// <summary>
/// Decodes samples on worker threads ahead of the consumer and hands them out in the given
/// order, whatever order the workers finish in. The consumer keeps a window of at most
/// <c>window</c> pending slots; each slot goes into a bounded channel that the workers
/// drain, so decoding never runs further ahead than the window (memory stays bounded).
/// libtorch ops are thread-safe; tensors made on a worker thread belong to no dispose scope.
/// Each worker runs its ops with one intra-op thread.
/// </summary>
internal sealed class PrefetchQueue : IDisposable
{
    private sealed class Slot(int index)
    {
        public int Index { get; } = index;

        public TaskCompletionSource<PreparedSample> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Func<int, PreparedSample> _load;
    private readonly IReadOnlyList<int> _order;
    private readonly bool _ownsResults;
    private readonly Queue<Slot> _pending = new();
    private readonly Channel<Slot>? _work;
    private readonly Thread[] _workers;
    private readonly CancellationTokenSource _stop = new();
    private int _next;
    private bool _disposed;

    /// <param name="load">Decodes the sample at an index (called on worker threads).</param>
    /// <param name="order">The indices, in the order <see cref="Take"/> returns them.</param>
    /// <param name="workers">Worker threads; 0 loads on the consumer's thread inside <see cref="Take"/>.</param>
    /// <param name="window">At most this many samples decoded or being decoded ahead of the consumer.</param>
    /// <param name="ownsResults">Whether samples decoded but never taken are disposed with the queue (false when a cache holds them).</param>
    public PrefetchQueue(Func<int, PreparedSample> load, IReadOnlyList<int> order, int workers, int window, bool ownsResults)
    {
        _load = load;
        _order = order;
        _ownsResults = ownsResults;
        _workers = new Thread[workers];
        if (workers == 0) return;
        // The channel holds the pending slots no worker has picked up yet: at most the window, plus
        // the head that Take has just dequeued while it may still be waiting for a worker.
        _work = Channel.CreateBounded<Slot>(new BoundedChannelOptions(window + 1) { SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        for (var i = 0; i < workers; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"AnomalyBench loader {i}" };
            _workers[i].Start();
        }
        for (var i = 0; i < window && _next < _order.Count; i++) Enqueue();
    }

    private void Enqueue()
    {
        var slot = new Slot(_order[_next++]);
        _pending.Enqueue(slot);
        if (!_work!.Writer.TryWrite(slot)) throw new InvalidOperationException("prefetch queue overflow: the window is larger than the channel");
    }

    /// <summary>The next sample in order; blocks until it is decoded; rethrows its decoding error.</summary>
    public PreparedSample Take()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_work is null)
        {
            if (_next >= _order.Count) throw new InvalidOperationException("no more samples");
            return _load(_order[_next++]);
        }
        if (!_pending.TryDequeue(out var slot)) throw new InvalidOperationException("no more samples");
        if (_next < _order.Count) Enqueue();
        return slot.Done.Task.GetAwaiter().GetResult();
    }

    private void Work()
    {
        // One intra-op thread per worker (as PyTorch's DataLoader workers): the workers already run
        // in parallel, and an OpenMP team per worker on the same cores slows them all down.
        torch.set_num_threads_for_current_thread(1);
        var reader = _work!.Reader;
        try
        {
            while (reader.WaitToReadAsync(_stop.Token).AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var slot))
                {
                    if (_stop.IsCancellationRequested)
                    {
                        slot.Done.TrySetCanceled();
                        continue;
                    }
                    try
                    {
                        slot.Done.TrySetResult(_load(slot.Index));
                    }
                    catch (Exception e)
                    {
                        slot.Done.TrySetException(e);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed while waiting for work.
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_work is null) return;
        _stop.Cancel();
        _work.Writer.TryComplete();
        foreach (var worker in _workers) worker.Join();
        // Workers have stopped: every slot is finished or was never started.
        if (_ownsResults)
        {
            foreach (var slot in _pending)
            {
                if (slot.Done.Task.IsCompletedSuccessfully) slot.Done.Task.Result.Dispose();
            }
        }
        _pending.Clear();
        _stop.Dispose();
    }
}
