namespace AnomalyBench.Torch.Serialization;

/// <summary>
/// A checkpoint file (safetensors or PyTorch <c>.pth</c>) is truncated, corrupt or
/// not in the expected format. The message names the file, what is wrong and
/// what to do about it.
/// </summary>
/// <remarks>
/// Derives from <see cref="Exception"/>, not <see cref="TorchException"/>: the
/// problem lies in the file's bytes, not in libtorch or the bridge, so callers
/// can tell "re-download the weights" apart from "the engine failed".
/// </remarks>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string filePath, string problem, string advice, Exception? inner = null)
        : base($"{filePath}: {problem}. {advice}", inner)
    {
        FilePath = filePath;
        Problem = problem;
    }

    /// <summary>The file (full path), or a description of the stream, that could not be read.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the file name and the advice.</summary>
    public string Problem { get; }
}

/// <summary>
/// Thrown inside the readers, which do not know the file name; the public entry
/// points turn it into a <see cref="CheckpointFormatException"/>. <see cref="Advice"/>
/// replaces the reader's default advice ("the file is corrupt ...") where the file is
/// intact but uses something unsupported.
/// </summary>
internal sealed class CorruptCheckpointException(string problem, string? advice = null) : Exception(problem)
{
    public string? Advice { get; } = advice;
}
