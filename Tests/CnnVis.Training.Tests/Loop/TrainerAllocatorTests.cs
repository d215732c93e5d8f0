using CnnVis.Torch;
using CnnVis.Training.Loop;

namespace CnnVis.Training.Tests.Loop;

/// <summary>Keeping freed memory (glibc's thresholds) is the trainer's decision, taken when a run starts.</summary>
public sealed class TrainerAllocatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-trainer-allocator-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ARunKeepsFreedMemory()
    {
        var options = new TrainingOptions
        {
            Dataset = "fashion-mnist", Model = "fashionnet", Epochs = 1, BatchSize = 32, TrainLimit = 64, ValidationLimit = 32,
            Threads = 1, OutputDirectory = Path.Combine(_dir, "run"),
        };
        var outcome = new Trainer(options).Run();
        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        Assert.True(torch.keeps_freed_memory());
    }
}
