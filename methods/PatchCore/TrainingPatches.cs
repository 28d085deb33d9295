using AnomalyBench.Datasets;
using AnomalyBench.Torch;

namespace AnomalyBench.Methods.PatchCore;

/// <summary>
/// The patch vectors of every training image, [images·patches, D] (official <c>PatchCore.fit</c>:
/// embed each batch, concatenate once). Shared by PatchCore's memory bank and ReConPatch, whose
/// inputs are "patch features exactly as PatchCore's".
/// </summary>
internal static class TrainingPatches
{
    /// <param name="embed">A normalised batch [B,3,S,S] → its patch vectors [B·P, D] (a new tensor).</param>
    public static Tensor Extract(IReadOnlyList<Sample> train, Preprocessing preprocessing, int batchSize, Func<Tensor, Tensor> embed, FitContext context)
    {
        var batches = new List<Tensor>();
        try
        {
            using (var loader = new DataLoader(train, preprocessing, context.Device, new LoaderOptions(BatchSize: batchSize)))
            {
                var done = 0;
                context.Log.Progress("extract", 0, train.Count);
                foreach (var batch in loader)
                {
                    context.Cancellation.ThrowIfCancellationRequested();
                    using var scope = torch.NewDisposeScope();
                    using var noGrad = torch.no_grad();
                    // Everything of the step goes with its scope but the patch vectors, kept for the bank.
                    batches.Add(embed(batch.Images).DetachFromDisposeScope());
                    done += batch.Count;
                    context.Log.Progress("extract", done, train.Count);
                }
            }
            // Concatenated once; the per-batch pieces go at once.
            return torch.cat(batches.ToArray()).DetachFromDisposeScope();
        }
        finally
        {
            foreach (var t in batches) t.Dispose();
        }
    }
}
