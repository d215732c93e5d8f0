using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using CnnVis.Visualizers;

namespace CnnVis.Monitor;

/// <summary>
/// Records what a network looks at while it trains, into the run store: snapshots of probe explanations, filters
/// and layer statistics on a schedule, the validation cube and metrics every epoch, checkpoints by checksum.
/// Use it as a <see cref="TrainingCallback"/> of <see cref="Trainer"/>, or drive it from your own loop with
/// <see cref="BeginRun"/>, <see cref="AfterStep"/>, <see cref="AfterEvaluation"/> and <see cref="EndRun"/>.
/// </summary>
/// <remarks>
/// Training-safe: it draws no random numbers, computes gradients with autograd.grad (no parameter's .grad
/// changes), runs the model in eval mode and restores every module's mode, so a run ends with the same weights
/// and optimizer state with or without it.
/// </remarks>
public sealed class TrainingMonitor : TrainingCallback, IDisposable
{
    private static readonly TimeSpan s_flushEvery = TimeSpan.FromSeconds(2);

    private readonly RunWriter _store;
    private readonly bool _ownsStore;
    private readonly MonitorOptions _options;
    private readonly Stopwatch _wall = new();
    private readonly Stopwatch _busy = new();
    private readonly Stopwatch _sinceFlush = new();
    private readonly List<MetricPoint> _pending = new();
    private readonly List<double> _costs = new();
    private readonly List<string> _probeKinds = new();
    private readonly List<double> _cpuCosts = new();
    private readonly PhaseClock _phases = new();
    private Module? _model;
    private ImageDataset? _validation;
    private ProbeSet? _probes;
    private Tensor? _masks;
    private SnapshotRecorder? _recorder;
    private int _batchesPerEpoch;
    private int _epoch;
    private long _step;
    private long _firstStep;
    private long _stepsPlanned;
    private long _lastSnapshotStep = -1;
    private bool _trustDue = true;
    private bool _wrongProbesAdded;
    private int _skipped;
    private bool _ended;

    /// <summary>A monitor writing into <paramref name="store"/>; the caller keeps ownership of the writer.</summary>
    public TrainingMonitor(RunWriter store, MonitorOptions? options = null) : this(store, options, ownsStore: false) { }

    private TrainingMonitor(RunWriter store, MonitorOptions? options, bool ownsStore)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _ownsStore = ownsStore;
        _options = options ?? new MonitorOptions();
        _options.Validate();
        foreach (var method in _options.Methods ?? []) ExplanationMethods.Describe(method);
    }

    /// <summary>A monitor that opens (or creates) the store at <paramref name="storePath"/> and closes it when disposed.</summary>
    public static TrainingMonitor Open(string storePath, MonitorOptions? options = null)
    {
        var store = RunWriter.Open(storePath);
        try
        {
            return new TrainingMonitor(store, options, ownsStore: true);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public override string Name => "monitor";

    public MonitorOptions Options => _options;

    /// <summary>The run being recorded; -1 before <see cref="BeginRun"/>.</summary>
    public long RunId { get; private set; } = -1;

    /// <summary>Snapshots taken and skipped so far, their cost and the monitor's share of wall time.</summary>
    public MonitorReport Report
    {
        get
        {
            return new MonitorReport(_store.Path, RunId, _costs.Count, _skipped, PhaseClock.Median(_costs), _busy.Elapsed.TotalSeconds, _wall.Elapsed.TotalSeconds)
            {
                SnapshotCpuMillisecondsMedian = PhaseClock.Median(_cpuCosts), Phases = _phases.Costs(),
            };
        }
    }

    /// <summary>
    /// Starts recording a run of your own training loop: <paramref name="model"/> (a <see cref="Module"/> that
    /// implements <see cref="IExplainableModel"/>), probes from <paramref name="validation"/>, the run named
    /// <paramref name="name"/> in the store with the model's type and the dataset's name. Takes the snapshot of the
    /// untrained model. Then call <see cref="AfterStep"/> after every optimizer step, <see cref="AfterEvaluation"/>
    /// after every validation pass, and <see cref="EndRun"/> at the end. Returns the run's id in the store.
    /// </summary>
    /// <param name="epochs">Epochs you plan to train (shown beside those done).</param>
    /// <param name="batchesPerEpoch">Steps per epoch, for the log-spaced schedule (0 if unknown).</param>
    public long BeginRun(Module model, ImageDataset validation, string name, int epochs, int batchesPerEpoch = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return BeginRun(model, validation, new RunDescription(name, validation.Name, model.GetType().FullName ?? model.GetName(), "{}", validation.ClassNames.ToArray(), epochs),
            batchesPerEpoch);
    }

    /// <summary>
    /// Starts recording a run of <paramref name="model"/> (a <see cref="Module"/> that implements
    /// <see cref="IExplainableModel"/>) with probes from <paramref name="validation"/>, and takes the snapshot of the
    /// model as it is now (untrained: the randomisation baseline). Returns the run's id in the store.
    /// </summary>
    /// <param name="batchesPerEpoch">Steps per epoch, for the log-spaced schedule (0 if unknown).</param>
    /// <param name="step">The optimizer step the run starts at (0 unless continuing).</param>
    /// <param name="continueRun">A run of the store to continue from <paramref name="step"/> (a resume) instead of starting a new one.</param>
    public long BeginRun(Module model, ImageDataset validation, RunDescription description, int batchesPerEpoch = 0, long step = 0, long? continueRun = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(description);
        if (RunId >= 0) throw new InvalidOperationException($"this monitor already records run {RunId}: use one monitor per run");
        if (model is not IExplainableModel explainable)
            throw new ArgumentException($"{model.GetName()} cannot be monitored: it does not implement IExplainableModel (which names its explanation layer)", nameof(model));
        _wall.Restart();
        _busy.Start();
        try
        {
            _model = model;
            _validation = validation;
            _batchesPerEpoch = batchesPerEpoch;
            _step = step;
            _firstStep = step;
            _stepsPlanned = Math.Max(0, (long)description.EpochsPlanned * batchesPerEpoch - step);
            var methods = (_options.Methods ?? MonitorOptions.DefaultMethods.Where(m => m != "cam" || explainable.ClassifierLayer is not null)).ToList();
            _recorder = new SnapshotRecorder(methods, _options);
            if (continueRun is { } id)
            {
                // The same probes as before, so the run's timelines go on comparing the same images.
                var stored = _store.ClaimRun(id, step);
                RunId = id;
                _probes = ProbeSet.FromIndices(validation, stored.Select(p => p.DatasetIndex).ToArray());
                _probeKinds.AddRange(stored.Select(p => p.Kind));
                _wrongProbesAdded = stored.Any(p => p.Kind == "wrong");
            }
            else
            {
                var indices = _options.ProbeIndices?.ToArray();
                _probes = indices is null ? ProbeSet.Select(validation, _options.ProbeCount) : ProbeSet.FromIndices(validation, indices);
                _probeKinds.AddRange(Enumerable.Repeat(indices is null ? "class" : "explicit", _probes.Count));
                RunId = _store.CreateRun(description);
                _store.AddProbes(RunId, ProbeRecords(0, step));
            }
            _masks = MasksOf(_probes);
            Snapshot(continueRun is null ? "start" : "resume", exempt: true);
            _sinceFlush.Restart();
        }
        finally
        {
            _busy.Stop();
        }
        return RunId;
    }

    /// <summary>After each optimizer step (counted from 1): records loss and learning rate, and takes a snapshot when one is due.</summary>
    public void AfterStep(int epoch, long step, double loss, double learningRate)
    {
        RequireRun();
        _busy.Start();
        try
        {
            _epoch = epoch;
            _step = step;
            _pending.Add(new MetricPoint("train.loss", step, epoch, loss));
            _pending.Add(new MetricPoint("lr", step, epoch, learningRate));
            if (_options.Schedule.IsDueAfterStep(step, _batchesPerEpoch)) Snapshot("schedule", exempt: false);
            else if (_sinceFlush.Elapsed >= s_flushEvery) Flush();
        }
        finally
        {
            _busy.Stop();
        }
    }

    /// <summary>
    /// After a validation pass: stores the validation cube, validation loss, accuracy and per-class accuracy; adds
    /// the most confidently wrong probes after the first one; takes the epoch-end snapshot when the schedule has one.
    /// </summary>
    public void AfterEvaluation(Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        RequireRun();
        _busy.Start();
        try
        {
            _epoch = evaluation.Epoch;
            _step = evaluation.Step;
            Flush();
            var trueProbabilities = evaluation.TrueClassProbabilities.Length == evaluation.Labels.Length
                ? evaluation.TrueClassProbabilities
                : evaluation.Predictions.Select((p, k) => p == evaluation.Labels[k] ? evaluation.Probabilities[k] : float.NaN).ToArray();
            var cube = new CubeSlice(evaluation.Epoch, evaluation.Step, evaluation.Indices, evaluation.Labels, evaluation.Predictions, trueProbabilities);
            _store.WriteEpoch(RunId, new EpochRecord(cube,
            [
                new MetricPoint("val.loss", evaluation.Step, evaluation.Epoch, evaluation.Loss),
                new MetricPoint("val.accuracy", evaluation.Step, evaluation.Epoch, evaluation.Accuracy),
            ], evaluation.PerClassAccuracy));
            if (!_wrongProbesAdded && _options.WrongProbes > 0) AddWrongProbes(evaluation);
            _wrongProbesAdded = true;
            // Trust is measured at least once per epoch: at the epoch's end, or the next snapshot taken after it.
            _trustDue = true;
            if (_options.Schedule.AtEpochEnd) Snapshot("epoch", exempt: false);
        }
        finally
        {
            _busy.Stop();
        }
    }

    /// <summary>After an epoch: its training loss and accuracy (optional for your own loop).</summary>
    public void AfterEpoch(int epoch, long step, double trainLoss, double trainAccuracy)
    {
        RequireRun();
        _busy.Start();
        try
        {
            _store.AddMetrics(RunId, [new MetricPoint("train.epoch-loss", step, epoch, trainLoss), new MetricPoint("train.accuracy", step, epoch, trainAccuracy)]);
        }
        finally
        {
            _busy.Stop();
        }
    }

    /// <summary>After a checkpoint was written: references it from the store with its model file's SHA-256.</summary>
    public void CheckpointSaved(string directory, int epoch, long step, bool endOfEpoch)
    {
        ArgumentNullException.ThrowIfNull(directory);
        RequireRun();
        _busy.Start();
        try
        {
            var file = CheckpointHash.ModelFileOf(directory);
            var path = Path.GetFullPath(directory);
            _store.AddCheckpoint(RunId, new CheckpointRecord(epoch, step, endOfEpoch, path, CheckpointHash.Of(file), new FileInfo(file).Length, DateTime.UtcNow));
        }
        finally
        {
            _busy.Stop();
        }
    }

    /// <summary>
    /// Ends the run: takes the final snapshot (unless the last one was at this step, or the run failed), stores what
    /// is pending and marks the run finished, interrupted or failed with <paramref name="message"/>.
    /// </summary>
    public void EndRun(RunStatus status, string? message = null)
    {
        RequireRun();
        if (_ended) return;
        _busy.Start();
        try
        {
            if (status != RunStatus.Failed && _lastSnapshotStep != _step) Snapshot("end", exempt: true);
            Flush();
            _store.EndRun(RunId, status, message);
            _ended = true;
        }
        finally
        {
            _busy.Stop();
            _wall.Stop();
        }
    }

    public override void OnTrainBegin(TrainingContext context)
    {
        var o = context.Options;
        var description = new RunDescription($"{o.Dataset}-{o.Model}", o.Dataset, o.Model, JsonSerializer.Serialize(o), context.ClassNames.ToArray(), o.Epochs,
            o.OutputDirectory is null ? null : Path.GetFullPath(o.OutputDirectory));
        // A resumed run (it starts past step 0) continues the store's run that wrote checkpoints to the same folder.
        var continued = context.Step > 0 && description.CheckpointDirectory is { } folder ? _store.FindRunByCheckpointDirectory(folder) : null;
        BeginRun(context.Model, context.ValidationData, description, context.BatchesPerEpoch, context.Step, continued);
    }

    public override void OnBatchEnd(TrainingContext context, BatchEnd batch) => AfterStep(batch.Epoch, batch.Step, batch.Loss, batch.LearningRate);

    public override void OnEvaluationEnd(TrainingContext context, Evaluation evaluation) => AfterEvaluation(evaluation);

    public override void OnEpochEnd(TrainingContext context, EpochSummary summary) => AfterEpoch(summary.Epoch, summary.Step, summary.TrainLoss, summary.TrainAccuracy);

    public override void OnCheckpointSaved(TrainingContext context, CheckpointInfo checkpoint) =>
        CheckpointSaved(checkpoint.Directory, checkpoint.Epoch, checkpoint.Step, checkpoint.EndOfEpoch);

    public override void OnTrainEnd(TrainingContext context, TrainingOutcome outcome) => EndRun(outcome.Status switch
    {
        TrainingStatus.Completed => RunStatus.Finished,
        TrainingStatus.Cancelled => RunStatus.Interrupted,
        _ => RunStatus.Failed,
    }, outcome.Message);

    /// <summary>Frees the probes and kept maps; a run not ended yet is marked failed; closes the store if this monitor opened it.</summary>
    public void Dispose()
    {
        try
        {
            if (RunId >= 0 && !_ended)
            {
                Flush();
                _store.EndRun(RunId, RunStatus.Failed, "training stopped without ending the run (an error in the training loop)");
                _ended = true;
            }
        }
        catch (RunStoreException)
        {
            // The store itself failed (full, read-only): that error was already reported where it happened, and the
            // run reads as interrupted once this process is gone. Disposing must not hide it behind a second one.
        }
        finally
        {
            _recorder?.Dispose();
            _probes?.Dispose();
            _masks?.Dispose();
            _recorder = null;
            _probes = null;
            _masks = null;
            if (_ownsStore) _store.Dispose();
        }
    }

    private void Snapshot(string reason, bool exempt)
    {
        if (_step == _lastSnapshotStep && reason != "start") return;
        if (!exempt && _costs.Count > 0)
        {
            // Would this snapshot, at the median cost so far, lift the monitor's share of the run's wall time over the budget?
            var estimate = TimeSpan.FromMilliseconds(Report.SnapshotMillisecondsMedian);
            var share = SnapshotBudget.ShareWith(_busy.Elapsed, _wall.Elapsed, estimate, _step - _firstStep, _stepsPlanned);
            if (share > _options.Budget)
            {
                Flush();
                _store.RecordSkippedSnapshot(RunId, _step, _epoch,
                    string.Create(CultureInfo.InvariantCulture,
                        $"budget: taking it would bring the monitor to {100 * share:F1}% of the run's wall time (projected from the steps so far), over its cap of {100 * _options.Budget:F1}%"));
                _skipped++;
                return;
            }
        }
        var clock = Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;
        try
        {
            // A scope of its own: a caller's loop may run inside its own dispose scope, which must not free what the monitor keeps.
            using var scope = torch.NewDisposeScope();
            var record = _recorder!.Take(_model!, _probes!, _masks, _step, _epoch, reason, trust: _trustDue, _phases);
            using (_phases.Time("flush")) Flush();
            var cost = clock.Elapsed.TotalMilliseconds;
            using (_phases.Time("store")) _store.WriteSnapshot(RunId, record with { CostMilliseconds = cost });
        }
        catch
        {
            _phases.DiscardSnapshot();
            throw;
        }
        _phases.EndSnapshot();
        _trustDue = false;
        _lastSnapshotStep = _step;
        _costs.Add(clock.Elapsed.TotalMilliseconds);
        _cpuCosts.Add((Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds);
    }

    private void Flush()
    {
        if (_pending.Count > 0)
        {
            _store.AddMetrics(RunId, _pending.ToArray());
            _pending.Clear();
        }
        else _store.Heartbeat(RunId);
        _sinceFlush.Restart();
    }

    private void AddWrongProbes(Evaluation evaluation)
    {
        var taken = _probes!.Indices.ToHashSet();
        var wrong = Enumerable.Range(0, evaluation.Labels.Length)
            .Where(k => evaluation.Predictions[k] != evaluation.Labels[k] && !taken.Contains(evaluation.Indices[k]))
            .OrderByDescending(k => evaluation.Probabilities[k]).ThenBy(k => evaluation.Indices[k])
            .Take(_options.WrongProbes).Select(k => evaluation.Indices[k]).ToArray();
        if (wrong.Length == 0) return;
        var first = _probes.Count;
        var grown = ProbeSet.FromIndices(_validation!, [.. _probes.Indices, .. wrong]);
        _probes.Dispose();
        _probes = grown;
        _probeKinds.AddRange(Enumerable.Repeat("wrong", wrong.Length));
        _store.AddProbes(RunId, ProbeRecords(first, evaluation.Step));
        _masks?.Dispose();
        _masks = MasksOf(_probes);
    }

    private List<ProbeRecord> ProbeRecords(int from, long step)
    {
        var probes = _probes!;
        var shape = probes.Display.shape;
        var (channels, height, width) = ((int)shape[1], (int)shape[2], (int)shape[3]);
        var pixels = probes.Display.data<float>();
        var length = channels * height * width;
        var records = new List<ProbeRecord>();
        for (var n = from; n < probes.Count; n++)
        {
            var image = new byte[length];
            for (var i = 0; i < length; i++) image[i] = (byte)Math.Clamp(Math.Round(pixels[n * length + i] * 255), 0, 255);
            records.Add(new ProbeRecord(n, probes.Indices[n], probes.Labels[n], _probeKinds[n], step, channels, height, width, image));
        }
        return records;
    }

    private static Tensor? MasksOf(ProbeSet probes)
    {
        var data = probes.Source;
        if (!data.HasMasks) return null;
        var size = data.Height * data.Width;
        var masks = new float[probes.Count * size];
        for (var n = 0; n < probes.Count; n++) data.CopyMask(probes.Indices[n], masks.AsSpan(n * size, size));
        return torch.tensor(masks, new long[] { probes.Count, data.Height, data.Width }).DetachFromDisposeScope();
    }

    private void RequireRun()
    {
        if (RunId < 0) throw new InvalidOperationException("the monitor has no run yet: call BeginRun first (a Trainer does it in OnTrainBegin)");
    }
}
