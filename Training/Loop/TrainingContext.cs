using CnnVis.Torch.Optim;
using CnnVis.Training.Data;
using CnnVis.Torch;

namespace CnnVis.Training.Loop;

/// <summary>What a callback can see of the run: the live model, the data, where it stands.</summary>
public sealed class TrainingContext
{
    internal TrainingContext(TrainingOptions options, Module model, Optimizer optimizer, ImageDataset train, ImageDataset validation)
    {
        Options = options;
        Model = model;
        Optimizer = optimizer;
        TrainData = train;
        ValidationData = validation;
    }

    public TrainingOptions Options { get; }
    /// <summary>The model being trained: a zoo model or the trainer's given one; it implements <see cref="IExplainableModel"/>.</summary>
    public Module Model { get; }
    public Optimizer Optimizer { get; }
    public ImageDataset TrainData { get; }
    public ImageDataset ValidationData { get; }
    public IReadOnlyList<string> ClassNames => TrainData.ClassNames;
    /// <summary>Epochs are counted from 1.</summary>
    public int Epoch { get; internal set; }
    /// <summary>Optimizer steps taken since the run began (across resumes).</summary>
    public long Step { get; internal set; }
    public int BatchesPerEpoch { get; internal set; }
}
