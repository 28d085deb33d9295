using System.Runtime.ExceptionServices;

namespace AnomalyBench.Datasets;

/// <summary>Parallel loops that rethrow the first error as itself (naming its file), not wrapped in an AggregateException.</summary>
internal static class Parallelism
{
    public static void ForEach<T>(IEnumerable<T> items, Action<T> body)
    {
        try
        {
            Parallel.ForEach(items, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
    }
}
