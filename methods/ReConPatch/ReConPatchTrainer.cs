// ReConPatch §3.3–3.4 and §4.1 "Implementation details" (Hyun et al., WACV 2024; shared/research/methods-1.md
// §2.5–2.6): the target network f, g learns by the relaxed contrastive loss on random mini-batches of patch
// features of all training images of a category, with pseudo-labels from the EMA similarity network; AdamP
// with cosine annealing, no input augmentation.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Optim;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>
/// The training loop on fixed patch features. One epoch is one pass over all training patches in a random order,
/// cut into mini-batches of <see cref="ReConPatchOptions.PatchBatchSize"/> (a smaller rest is dropped unless it is
/// the only batch); the learning rate follows a cosine over the epochs (T_max = epochs, stepped per epoch).
/// Every step: pseudo-labels w from z̄ = ḡ(f̄(p)) without gradient, L_RC on z = g(f(p)), one AdamP step on f, g,
/// then the EMA update of f̄, ḡ.
/// </summary>
public static class ReConPatchTrainer
{
    /// <summary>The loss's name in train_log.csv.</summary>
    public const string LossName = "relaxed_contrastive";

    /// <param name="features">all training patch features [P, FeatureDimension] (not modified).</param>
    /// <param name="target">f, g: trained.</param>
    /// <param name="similarity">f̄, ḡ: initialised from <paramref name="target"/> here, then its EMA.</param>
    /// <returns>the number of optimisation steps taken.</returns>
    public static long Train(Tensor features, ReConPatchHeads target, ReConPatchHeads similarity, ReConPatchOptions options,
        ITrainingLog log, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var total = features.size(0);
        if (total <= options.ContextualNeighbours)
            throw new ArgumentException($"ReConPatch needs more than k = {options.ContextualNeighbours} training patches, got {total}", nameof(features));
        ExponentialMovingAverage.Initialise(similarity, target);
        if (options.Epochs == 0) return 0;

        var batchSize = Math.Min(options.PatchBatchSize, total);
        var stepsPerEpoch = total / batchSize;
        using var optimizer = new AdamP(target.parameters(), options.LearningRate, weight_decay: options.WeightDecay,
            delta: options.AdamPDelta, wd_ratio: options.AdamPWdRatio);
        var scheduler = new CosineAnnealingLR(optimizer, options.Epochs);
        long step = 0;
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            var phase = $"epoch {epoch + 1}/{options.Epochs}";
            log.Progress(phase, 0, stepsPerEpoch);
            var learningRate = scheduler.get_last_lr()[0];
            using var order = torch.randperm(total, features.device);
            for (long s = 0; s < stepsPerEpoch; s++)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var batch = features.index_select(0, order.narrow(0, s * batchSize, batchSize));
                Tensor w;
                using (torch.no_grad())
                {
                    var zBar = similarity.call(batch);
                    w = PseudoLabels.Combined(zBar, options.PairwiseSigma, options.ContextualNeighbours, options.Alpha);
                }
                var z = target.call(batch);
                var loss = RelaxedContrastiveLoss.Compute(z, w, options.Margin);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                ExponentialMovingAverage.Update(similarity, target, options.EmaMomentum);
                step++;
                log.Step(step, new Dictionary<string, double> { [LossName] = loss.item<float>() }, learningRate);
                log.Progress(phase, s + 1, stepsPerEpoch);
            }
            scheduler.step();
        }
        return step;
    }
}
