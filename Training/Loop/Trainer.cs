using System.Diagnostics;
using CnnVis.Torch;
using CnnVis.Torch.Optim;
using CnnVis.Training.Data;
using CnnVis.Training.Models;

namespace CnnVis.Training.Loop;

/// <summary>
/// The training loop: epochs of optimizer steps, a validation pass and a checkpoint after each epoch,
/// callbacks at every stage. Deterministic on CPU for a seed and a thread count; resumable.
/// </summary>
/// <remarks>
/// Two ways in. By name: <see cref="TrainingOptions.Model"/> and <see cref="TrainingOptions.Dataset"/> pick a zoo
/// model and a known dataset (what the CLI does). By instance: set <see cref="Model"/> to your own module and
/// <see cref="TrainData"/> / <see cref="ValidationData"/> to your own datasets; the options' names are then ignored
/// and the run records the instances' names instead.
/// <code>
/// var outcome = new Trainer(options, monitor) { Model = new MyCnn(), TrainData = train, ValidationData = validation }.Run();
/// </code>
/// </remarks>
public sealed class Trainer
{
    private readonly TrainingOptions _options;
    private readonly IReadOnlyList<TrainingCallback> _callbacks;
    private readonly Module? _model;

    public Trainer(TrainingOptions options, params TrainingCallback[] callbacks)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _callbacks = callbacks;
    }

    /// <summary>
    /// The model to train instead of the zoo's <see cref="TrainingOptions.Model"/>: any <see cref="Module"/> that
    /// implements <see cref="IExplainableModel"/> (names its explanation layer). It is trained in place and stays
    /// the caller's to dispose. Checkpoints record its type (<see cref="Checkpoint.ModelType"/>), and a run of it
    /// resumes only into a model of the same type.
    /// </summary>
    public Module? Model
    {
        get => _model;
        init
        {
            if (value is not null && value is not IExplainableModel)
                throw new ArgumentException($"{value.GetType().FullName} cannot be trained here: it does not implement IExplainableModel (which names its explanation layer)", nameof(Model));
            _model = value;
        }
    }

    /// <summary>Training images to use instead of <see cref="TrainingOptions.Dataset"/>'s train split; give <see cref="ValidationData"/> with it.</summary>
    public ImageDataset? TrainData { get; init; }

    /// <summary>Validation images to use instead of <see cref="TrainingOptions.Dataset"/>'s test split; give <see cref="TrainData"/> with it.</summary>
    public ImageDataset? ValidationData { get; init; }

    /// <summary>Data for a run: the dataset's train split (optionally limited) and its test split for validation.</summary>
    public static (ImageDataset train, ImageDataset validation) OpenData(TrainingOptions options) =>
        Limit(options, ModelZoo.OpenDataset(options.Dataset, options.Model, train: true, seed: options.Seed),
            ModelZoo.OpenDataset(options.Dataset, options.Model, train: false, seed: options.Seed));

    private static (ImageDataset train, ImageDataset validation) Limit(TrainingOptions options, ImageDataset train, ImageDataset validation)
    {
        if (options.TrainLimit > 0 && options.TrainLimit < train.Count) train = new Subset(train, Enumerable.Range(0, options.TrainLimit).ToArray());
        if (options.ValidationLimit > 0 && options.ValidationLimit < validation.Count)
            validation = new Subset(validation, Enumerable.Range(0, options.ValidationLimit).ToArray());
        return (train, validation);
    }

    public static Optimizer CreateOptimizer(TrainingOptions o, IEnumerable<Parameter> parameters) => o.Optimizer switch
    {
        "adam" => new Adam(parameters, o.LearningRate, weight_decay: o.WeightDecay),
        "adamw" => new Adam(parameters, o.LearningRate, weight_decay: o.WeightDecay, decoupled: true),
        "sgd" => new SGD(parameters, o.LearningRate, o.Momentum, weight_decay: o.WeightDecay, nesterov: o.Nesterov),
        _ => throw new ArgumentException($"unknown optimizer '{o.Optimizer}'. Known optimizers: {string.Join(", ", TrainingOptions.Optimizers)}"),
    };

    /// <summary>How checkpoints reach the disk; tests replace it with a disk that fills up.</summary>
    internal CheckpointStorage Storage { get; init; } = CheckpointStorage.Disk;

    /// <summary>
    /// Trains from scratch, or continues <paramref name="resume"/>. A resumed run keeps everything the
    /// checkpoint stored except what may change (<see cref="TrainingOptions.ConflictsWith"/>): this trainer's
    /// options must agree with it on the rest, or the resume is refused naming each option that differs.
    /// Its checkpoints go to this trainer's output folder, or else to the run folder the checkpoint lies in.
    /// The output folder is created, checked writable and locked for the run (<see cref="RunLock"/>) before
    /// the first step. Cancelling ends the current step, saves a checkpoint and returns.
    /// </summary>
    public TrainingOutcome Run(CancellationToken cancellation = default, Checkpoint? resume = null)
    {
        if ((TrainData is null) != (ValidationData is null))
            throw new ArgumentException("give both TrainData and ValidationData, or neither (the options' dataset is then used)", TrainData is null ? nameof(TrainData) : nameof(ValidationData));
        if (resume is not null) CheckModelType(resume);
        var options = Named(_options);
        options = resume is null ? options : ResumedOptions(options, resume);
        if (options.OutputDirectory is not null) options = options with { OutputDirectory = Path.GetFullPath(options.OutputDirectory) };
        torch.set_num_threads(options.Threads);
        // Training frees and reallocates the same activations every step: keeping freed memory is worth it here
        // (process-wide, so the trainer decides it, not the library's loading; CNNVIS_RETURN_FREED_MEMORY=1 opts out).
        torch.keep_freed_memory();
        torch.manual_seed(options.Seed);
        var (train, validation) = TrainData is not null ? Limit(options, TrainData, ValidationData!) : OpenData(options);
        // A given model is the caller's: trained in place, never disposed here.
        using var zooModel = _model is null ? ModelZoo.Create(options.Model, train.Channels, train.ClassNames.Count) : null;
        var model = _model ?? zooModel!;
        if (((IExplainableModel)model).NumClasses != train.ClassNames.Count)
            throw new ArgumentException($"{model.GetType().FullName} predicts {((IExplainableModel)model).NumClasses} classes, but {train.Name} has {train.ClassNames.Count}", nameof(Model));
        if (model is ImageNetResNet18 pretrained) pretrained.FineTune = options.FineTune;
        if (options.ChannelsLast) model.to(MemoryFormat.ChannelsLast);
        // After the cheap checks of data and model (a typo leaves no folder behind), before any step is taken.
        using var runLock = options.OutputDirectory is null ? null : TakeOutputFolder(options.OutputDirectory);
        // A frozen backbone's parameters take no gradient and are not the optimizer's to step.
        using var optimizer = CreateOptimizer(options, model.parameters().Where(p => p.requires_grad));
        resume?.LoadInto(model, optimizer);
        using var trainLoader = new DataLoader(train, options.BatchSize, shuffle: true, seed: options.Seed, options.Augmentation);
        using var validationLoader = new DataLoader(validation, Math.Max(options.BatchSize, 256), shuffle: false, seed: options.Seed);
        var context = new TrainingContext(options, model, optimizer, train, validation) { BatchesPerEpoch = trainLoader.BatchCount };
        var schedule = new LearningRateSchedule(options, trainLoader.BatchCount);

        var startEpoch = 1;
        var skipBatches = 0;
        if (resume is not null)
        {
            context.Step = resume.Step;
            startEpoch = resume.EndOfEpoch ? resume.Epoch + 1 : resume.Epoch;
            skipBatches = resume.EndOfEpoch ? 0 : resume.BatchInEpoch;
        }

        Evaluation? lastEvaluation = null;
        CheckpointInfo? lastCheckpoint = null;
        TrainingOutcome Finish(TrainingStatus status, string message)
        {
            var outcome = new TrainingOutcome(status, context.Epoch, context.Step, message, lastEvaluation, lastCheckpoint);
            if (status != TrainingStatus.CallbackFailed) Notify(c => c.OnTrainEnd(context, outcome), "OnTrainEnd");
            return outcome;
        }

        CheckpointInfo? SaveCheckpoint(int epoch, int batchInEpoch, bool endOfEpoch)
        {
            if (options.OutputDirectory is null) return null;
            var meta = new Checkpoint
            {
                Epoch = epoch, Step = context.Step, BatchInEpoch = batchInEpoch, EndOfEpoch = endOfEpoch, Options = options,
                ClassNames = train.ClassNames.ToArray(), ModelType = UserModelType,
            };
            lastCheckpoint = Checkpoint.Save(options.OutputDirectory, meta, model, optimizer, Storage);
            var saved = lastCheckpoint;
            Notify(c => c.OnCheckpointSaved(context, saved), "OnCheckpointSaved");
            return lastCheckpoint;
        }

        // When nothing below the head trains and no augmentation changes the images, every image's pooled features are
        // the same in every epoch: they are computed once, and an epoch trains the head on them alone.
        model.train();
        var frozen = options.Augmentation is null && model is ClassifierModel { BodyIsFrozen: true } zoo ? zoo : null;
        using var trainFeatures = frozen is null ? null : FrozenFeatures.Compute(frozen, train, options.BatchSize, options.ChannelsLast);
        using var validationFeatures = frozen is null ? null : FrozenFeatures.Compute(frozen, validation, options.BatchSize, options.ChannelsLast);

        try
        {
            Notify(c => c.OnTrainBegin(context), "OnTrainBegin");
            for (var epoch = startEpoch; epoch <= options.Epochs; epoch++)
            {
                context.Epoch = epoch;
                // Every epoch's randomness (dropout, augmentation, shuffle) derives from (seed, epoch): resuming is exact.
                torch.manual_seed(options.Seed * 1_000_003 + epoch);
                trainLoader.SetEpoch(epoch);
                model.train();
                Notify(c => c.OnEpochBegin(context, epoch), "OnEpochBegin");
                var clock = Stopwatch.StartNew();
                double lossSum = 0;
                long correct = 0, seen = 0;
                // Resuming part-way through an epoch skips the batches already trained without building them.
                var batchIndex = skipBatches;
                var batches = trainFeatures is null ? trainLoader.StartingAt(skipBatches) : trainFeatures.Batches(trainLoader.Order(epoch), options.BatchSize, skipBatches);
                foreach (var batch in batches)
                {
                    using (batch)
                    {
                        batchIndex++;
                        if (cancellation.IsCancellationRequested)
                        {
                            SaveCheckpoint(epoch, batchIndex - 1, endOfEpoch: false);
                            return Finish(TrainingStatus.Cancelled, $"cancelled at step {context.Step} (epoch {epoch}, batch {batchIndex - 1}); checkpoint saved");
                        }
                        var lr = schedule.At(context.Step);
                        optimizer.LearningRate = lr;
                        double loss;
                        using (var scope = torch.NewDisposeScope())
                        {
                            optimizer.zero_grad();
                            var logits = trainFeatures is null ? model.call(Layout(batch.Images, options)) : frozen!.Classify(batch.Images);
                            var lossTensor = torch.nn.functional.cross_entropy(logits, batch.Labels, label_smoothing: options.LabelSmoothing);
                            loss = lossTensor.item<double>();
                            if (!double.IsFinite(loss))
                            {
                                return Finish(TrainingStatus.Diverged,
                                    $"the loss became {(double.IsNaN(loss) ? "NaN" : "infinite")} at step {context.Step + 1} (epoch {epoch}, batch {batchIndex}); training stopped, earlier checkpoints are intact");
                            }
                            lossTensor.backward();
                            optimizer.step();
                            using (torch.no_grad())
                            {
                                correct += logits.argmax(1).eq(batch.Labels).sum().item<long>();
                            }
                        }
                        context.Step++;
                        var n = (int)batch.Labels.size(0);
                        seen += n;
                        lossSum += loss * n;
                        var end = new BatchEnd(epoch, batchIndex, context.Step, loss, lr, n);
                        Notify(c => c.OnBatchEnd(context, end), "OnBatchEnd");
                    }
                }
                skipBatches = 0;
                clock.Stop();
                var trainSeconds = clock.Elapsed;
                lastEvaluation = validationFeatures is null
                    ? Evaluate(model, validationLoader, epoch, context.Step, validation.ClassNames.Count, options.ChannelsLast)
                    : Evaluate(model, validationFeatures.Batches(validationLoader.Order(0), validationLoader.BatchSize, 0), epoch, context.Step,
                        validation.ClassNames.Count, frozen!.Classify);
                var evaluation = lastEvaluation;
                Notify(c => c.OnEvaluationEnd(context, evaluation), "OnEvaluationEnd");
                var summary = new EpochSummary(epoch, context.Step, seen > 0 ? lossSum / seen : double.NaN, seen > 0 ? (double)correct / seen : 0,
                    evaluation, trainSeconds, seen / Math.Max(1e-9, trainSeconds.TotalSeconds));
                SaveCheckpoint(epoch, trainLoader.BatchCount, endOfEpoch: true);
                Notify(c => c.OnEpochEnd(context, summary), "OnEpochEnd");
            }
            return Finish(TrainingStatus.Completed, $"trained {options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")} ({context.Step} steps)");
        }
        catch (CallbackFailedException e)
        {
            return Finish(TrainingStatus.CallbackFailed, e.Message);
        }
    }

    // A user-defined model's type as checkpoints record it; null for the zoo's models, which are rebuilt by name.
    private string? UserModelType => _model is null or ClassifierModel ? null : _model.GetType().FullName;

    // The options as the run records them: the given model's and datasets' names in place of the options' own.
    private TrainingOptions Named(TrainingOptions options)
    {
        if (_model is not null) options = options with { Model = _model is ClassifierModel zoo ? zoo.Name : UserModelType! };
        if (TrainData is not null) options = options with { Dataset = TrainData.Name };
        return options;
    }

    // A checkpoint goes back only into the kind of model it was saved from: a user-defined type into that type,
    // a zoo model into the zoo's.
    private void CheckModelType(Checkpoint resume)
    {
        var given = UserModelType;
        if (resume.ModelType == given) return;
        if (given is null && _model is null)
        {
            throw new TrainingFailedException(
                $"{resume.Directory}: the checkpoint is of a user-defined model, {resume.ModelType}, which the model zoo cannot build; " +
                $"resume it in code with a Trainer given a {resume.ModelType} (new Trainer(options) {{ Model = ... }})");
        }
        var saved = resume.ModelType ?? $"the zoo's '{resume.Options.Model}'";
        throw new TrainingFailedException(
            $"{resume.Directory}: the checkpoint was saved from {saved}, but this trainer was given {given ?? $"the zoo's '{((ClassifierModel)_model!).Name}'"}; " +
            "a checkpoint resumes only into the model type it was saved from");
    }

    // The options a resumed run trains with: this trainer's, once they are known to continue the checkpoint's run.
    private TrainingOptions ResumedOptions(TrainingOptions mine, Checkpoint resume)
    {
        var conflicts = mine.ConflictsWith(resume.Options);
        if (conflicts.Count > 0)
        {
            throw new TrainingFailedException(
                $"{resume.Directory}: cannot resume with options that differ from the run's: {string.Join("; ", conflicts)}. " +
                "Only --epochs, --out, --lr and --threads may change when resuming");
        }
        var trained = resume.EndOfEpoch ? resume.Epoch : resume.Epoch - 1;
        if (mine.Epochs <= trained)
        {
            throw new TrainingFailedException(
                $"{resume.Directory}: the run has already trained {trained} epoch{(trained == 1 ? "" : "s")}; " +
                $"--epochs {mine.Epochs} leaves nothing to train (ask for more than {trained} to continue it)");
        }
        var output = mine.OutputDirectory ?? resume.RunDirectory
            ?? throw new TrainingFailedException(
                $"{resume.Directory}: the checkpoint lies outside a run folder (<run>/checkpoints/<checkpoint>) and stores no absolute output folder; give --out");
        return mine with { OutputDirectory = output };
    }

    // Checked before the first step, so a folder that cannot hold checkpoints costs no training.
    private static RunLock TakeOutputFolder(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrainingFailedException($"{directory}: the output folder cannot be created ({e.Message})", e);
        }
        var probe = Path.Combine(directory, $".write-probe-{Environment.ProcessId}");
        try
        {
            using (var stream = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(new byte[4096]);
                stream.Flush(flushToDisk: true);
            }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(probe);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // The probe may never have been created; the error that matters is the one below.
            }
            throw new TrainingFailedException($"{directory}: the output folder is not writable ({e.Message})", e);
        }
        return RunLock.Acquire(directory);
    }

    /// <summary>Evaluates a model on a loader: loss, accuracy, per-class accuracy and every image's prediction.</summary>
    public static Evaluation Evaluate(Module model, DataLoader loader, int epoch, long step, int numClasses, bool channelsLast = false) =>
        Evaluate(model, loader, epoch, step, numClasses, images => model.call(channelsLast ? images.contiguous(MemoryFormat.ChannelsLast) : images));

    // Evaluates on batches whose "images" are what `logitsOf` reads: images, or a frozen backbone's cached features.
    private static Evaluation Evaluate(Module model, IEnumerable<Batch> loader, int epoch, long step, int numClasses, Func<Tensor, Tensor> logitsOf)
    {
        var wasTraining = model.training;
        model.eval();
        var indices = new List<int>();
        var labels = new List<int>();
        var predictions = new List<int>();
        var probabilities = new List<float>();
        var trueProbabilities = new List<float>();
        double lossSum = 0;
        try
        {
            using var _ = torch.no_grad();
            foreach (var batch in loader)
            {
                using (batch)
                using (var scope = torch.NewDisposeScope())
                {
                    var logits = logitsOf(batch.Images);
                    lossSum += torch.nn.functional.cross_entropy(logits, batch.Labels, reduction: Reduction.Sum).item<double>();
                    var softmax = torch.softmax(logits, 1);
                    var (p, cls) = softmax.max(1);
                    trueProbabilities.AddRange(softmax.gather(1, batch.Labels.unsqueeze(1)).data<float>());
                    predictions.AddRange(cls.data<long>().Select(x => (int)x));
                    probabilities.AddRange(p.data<float>());
                    labels.AddRange(batch.Labels.data<long>().Select(x => (int)x));
                    indices.AddRange(batch.Indices);
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        var total = new int[numClasses];
        var right = new int[numClasses];
        for (var k = 0; k < labels.Count; k++)
        {
            total[labels[k]]++;
            if (predictions[k] == labels[k]) right[labels[k]]++;
        }
        var accuracy = labels.Count == 0 ? 0 : (double)right.Sum() / labels.Count;
        var perClass = total.Select((t, c) => t == 0 ? double.NaN : (double)right[c] / t).ToArray();
        return new Evaluation(epoch, step, labels.Count == 0 ? double.NaN : lossSum / labels.Count, accuracy, perClass,
            indices.ToArray(), labels.ToArray(), predictions.ToArray(), probabilities.ToArray()) { TrueClassProbabilities = trueProbabilities.ToArray() };
    }

    private static Tensor Layout(Tensor images, TrainingOptions options) =>
        options.ChannelsLast ? images.contiguous(MemoryFormat.ChannelsLast) : images;

    private void Notify(Action<TrainingCallback> call, string hook)
    {
        foreach (var callback in _callbacks)
        {
            try
            {
                call(callback);
            }
            catch (Exception e) when (e is not CallbackFailedException)
            {
                throw new CallbackFailedException($"callback '{callback.Name}' failed in {hook}: {e.Message}", e);
            }
        }
    }
}
