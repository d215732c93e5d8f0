using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CnnVis.Torch;
using CnnVis.Training.Loop;
using static CnnVis.Bench.Format;

namespace CnnVis.Bench;

/// <summary>
/// FashionNet on Fashion-MNIST: CnnVis's trainer (as `cnnvis train` runs it: channels-last, Adam lr 1e-3, batch
/// 128, seed 0) against PyTorch's plain default eager loop (bench/train.py), epoch by epoch in turn, each epoch
/// followed by an evaluation on the test images, whose accuracy is reported epoch by epoch on both sides (--epochs N,
/// default 3). The C# trainer keeps freed memory (its allocator setting); PyTorch trains twice, with glibc's default (as
/// shipped) and with the same setting. C#'s memory is watched from the end of epoch 1 to the end of the last; its
/// epoch-1 checkpoint is then loaded by PyTorch, which must predict the same classes as CnnVis's evaluation did.
/// </summary>
internal sealed class TrainBench : IBench
{
    private const double RatioTarget = 1.15;
    private const double AccuracyTarget = 0.86;
    private const double GrowthTargetPercent = 5;

    public string Name => "train";

    public string Description => "FashionNet epochs on Fashion-MNIST and their evaluations vs PyTorch's eager loop; accuracy by epoch, checkpoint in PyTorch, RSS, loader rate";

    /// <param name="Epochs">C# epochs (the memory check reads the end of the first and of the last).</param>
    /// <param name="PairedEpochs">PyTorch epochs, each paired with the C# epoch of the same number.</param>
    /// <param name="TrainLimit">Training images (0: all 60,000).</param>
    /// <param name="TestLimit">Test images evaluated (0: all 10,000).</param>
    /// <param name="ChannelsLastContext">Also train one PyTorch epoch in channels-last memory format (context, not the headline).</param>
    private sealed record Settings(int Epochs, int PairedEpochs, int TrainLimit, int TestLimit, bool ChannelsLastContext);

    private static readonly Settings Full = new(3, 3, 0, 0, true);
    private static readonly Settings Quick = new(3, 3, 2048, 1000, true);

    public int Run(BenchContext context)
    {
        var s = context.Quick ? Quick : Full;
        if (context.Options.Epochs is { } epochs) s = s with { Epochs = epochs, PairedEpochs = epochs };
        if (context.Options.Reps is { } reps) s = s with { PairedEpochs = Math.Min(reps, s.Epochs) };
        var loadStart = LoadAverage();
        Console.WriteLine($"libtorch {torch.__version__}, {context.Threads} thread(s) on {Environment.ProcessorCount} core(s), load average {loadStart.ToJsonString()}" +
            (context.Quick ? $", quick run on {s.TrainLimit} training and {s.TestLimit} test images (figures are not measurements)" : ""));

        var loader = LoaderRates.Measure(context.Quick);
        var runDir = Path.Combine(Path.GetTempPath(), $"cnnvis-bench-train-{Environment.ProcessId}");
        var options = new TrainingOptions
        {
            Dataset = "fashion-mnist",
            Model = "fashionnet",
            Epochs = s.Epochs,
            Optimizer = "adam",
            LearningRate = 1e-3,
            BatchSize = 128,
            Seed = 0,
            Threads = context.Threads,
            TrainLimit = s.TrainLimit,
            ValidationLimit = s.TestLimit,
            OutputDirectory = runDir,
        };

        Console.WriteLine("starting the PyTorch side (bench/train.py): it loads Fashion-MNIST into memory");
        var py = PyTorchWorker.Start(context, "train.py", sameAllocator: false,
            "--train-limit", Text(s.TrainLimit), "--test-limit", Text(s.TestLimit));
        PyTorchWorker? pySame = null;
        try
        {
            pySame = PyTorchWorker.Start(context, "train.py", sameAllocator: true,
                "--train-limit", Text(s.TrainLimit), "--test-limit", Text(s.TestLimit));
            if ((int?)py.Ready["threads"] != context.Threads)
                throw new InvalidOperationException($"PyTorch runs {py.Ready["threads"]} thread(s), not {context.Threads}");
            var pytorchVersion = (string?)py.Ready["torch_version"] ?? "";
            var trainImages = (int?)py.Ready["train_images"] ?? 0;

            Console.WriteLine($"training: {s.Epochs} C# epochs (CnnVis.Training's Trainer, channels-last: {options.ChannelsLast}), " +
                $"{s.PairedEpochs} PyTorch epochs, one by one in turn, each followed by an evaluation");
            var watch = new EpochWatch(py, pySame, s.PairedEpochs);
            var outcome = new Trainer(options, watch).Run();
            if (outcome.Status != TrainingStatus.Completed) throw new InvalidOperationException($"the C# training did not complete: {outcome.Message}");
            var peakRss = Measure.PeakRssMb();

            // CnnVis's epoch-1 weights in PyTorch's FashionNet: the same predictions as CnnVis's own evaluation?
            var first = watch.Epochs[0];
            var modelPath = Path.Combine(first.Checkpoint ?? throw new InvalidOperationException("no checkpoint was saved after epoch 1"), Checkpoint.ModelFile);
            Console.WriteLine($"PyTorch loads the epoch-1 checkpoint ({modelPath}) and predicts the test images");
            var check = CheckInPyTorch(py, modelPath, first.Evaluation);

            JsonObject? channelsLast = null;
            if (s.ChannelsLastContext)
            {
                Console.WriteLine("context: one PyTorch epoch in channels-last memory format");
                channelsLast = py.Ask("epoch-cl");
            }
            var loadEnd = LoadAverage();

            Report(context, options, watch, check, channelsLast, peakRss, pytorchVersion, trainImages, loadStart, loadEnd, loader);
            return 0;
        }
        finally
        {
            pySame?.Dispose();
            py.Dispose();
            if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        }
    }

    private sealed record CheckResult(double Agreement, double MaxProbabilityDifference, double PyTorchAccuracy, int Images, int Keys);

    private static CheckResult CheckInPyTorch(PyTorchWorker py, string modelPath, Evaluation evaluation)
    {
        var reply = py.Ask("check " + modelPath);
        var predictions = reply["predictions"]?.AsArray().Select(n => (int)n!).ToArray() ?? throw new InvalidOperationException("train.py answered 'check' without predictions");
        var probabilities = reply["probabilities"]?.AsArray().Select(n => (double)n!).ToArray() ?? throw new InvalidOperationException("train.py answered 'check' without probabilities");
        if (predictions.Length != evaluation.Indices.Length || probabilities.Length != predictions.Length)
            throw new InvalidOperationException($"PyTorch predicted {predictions.Length} test images, CnnVis evaluated {evaluation.Indices.Length}");
        var agree = 0;
        var maxDifference = 0.0;
        for (var k = 0; k < evaluation.Indices.Length; k++)
        {
            // The evaluation visits the test images in order, but its indices say which image each prediction is for.
            var image = evaluation.Indices[k];
            if (predictions[image] == evaluation.Predictions[k]) agree++;
            maxDifference = Math.Max(maxDifference, Math.Abs(probabilities[image] - evaluation.Probabilities[k]));
        }
        return new CheckResult((double)agree / evaluation.Indices.Length, maxDifference, (double?)reply["accuracy"] ?? double.NaN,
            evaluation.Indices.Length, (int?)reply["keys"] ?? 0);
    }

    /// <summary>One epoch of each side: throughput, evaluation, accuracy, and for C# the memory at the epoch's end.</summary>
    private sealed record EpochFigures(int Epoch, double ImagesPerSecond, double Seconds, double TrainLoss, double EvalImagesPerSecond,
        double EvalSeconds, double Accuracy, double RssMb)
    {
        public string? Checkpoint { get; init; }
        public Evaluation Evaluation { get; init; } = null!;
        public long LiveTensors { get; init; }
    }

    /// <summary>
    /// Watches the C# run and gives the PyTorch side its turns: PyTorch's epoch e runs after C#'s epoch e when e is
    /// odd and before it when e is even (outside the trainer's clock), so neither side always goes first.
    /// </summary>
    private sealed class EpochWatch(PyTorchWorker py, PyTorchWorker pySame, int pairedEpochs) : TrainingCallback
    {
        private long _lastBatchEnd;
        private double _evalSeconds;
        private Evaluation? _evaluation;
        private string? _checkpoint;

        public override string Name => "bench";

        public List<EpochFigures> Epochs { get; } = new();

        public List<JsonObject> PyTorchEpochs { get; } = new();

        /// <summary>PyTorch's epochs with CnnVis's allocator setting (glibc's environment variables).</summary>
        public List<JsonObject> PyTorchSameEpochs { get; } = new();

        public override void OnEpochBegin(TrainingContext context, int epoch)
        {
            if (epoch % 2 == 0 && epoch <= pairedEpochs) PyTorchEpoch(epoch);
            _evaluation = null;
            _checkpoint = null;
        }

        public override void OnBatchEnd(TrainingContext context, BatchEnd batch) => _lastBatchEnd = Stopwatch.GetTimestamp();

        // The trainer evaluates right after the epoch's last step: the evaluation's time is the time since that step.
        public override void OnEvaluationEnd(TrainingContext context, Evaluation evaluation)
        {
            _evalSeconds = Stopwatch.GetElapsedTime(_lastBatchEnd).TotalSeconds;
            _evaluation = evaluation;
        }

        public override void OnCheckpointSaved(TrainingContext context, CheckpointInfo checkpoint) => _checkpoint = checkpoint.Directory;

        public override void OnEpochEnd(TrainingContext context, EpochSummary summary)
        {
            var evaluation = _evaluation ?? throw new InvalidOperationException($"epoch {summary.Epoch} ended without an evaluation");
            var figures = new EpochFigures(summary.Epoch, summary.ImagesPerSecond, summary.Elapsed.TotalSeconds, summary.TrainLoss,
                evaluation.Indices.Length / _evalSeconds, _evalSeconds, evaluation.Accuracy, Measure.RssMb())
            {
                Checkpoint = _checkpoint,
                Evaluation = evaluation,
                LiveTensors = Tensor.LiveCount,
            };
            Epochs.Add(figures);
            Console.WriteLine($"  C# epoch {summary.Epoch}: {F(figures.ImagesPerSecond, 0)} img/s ({F(figures.Seconds, 1)} s), " +
                $"evaluation {F(figures.EvalImagesPerSecond, 0)} img/s, test accuracy {F(figures.Accuracy, 4)}, RSS {F(figures.RssMb, 1)} MiB");
            if (summary.Epoch % 2 == 1 && summary.Epoch <= pairedEpochs) PyTorchEpoch(summary.Epoch);
        }

        private void PyTorchEpoch(int epoch)
        {
            // The two PyTorch runs alternate which goes first, as the sides do.
            Turns.Round(epoch, () => Epoch(py, PyTorchEpochs, "PyTorch"), () => Epoch(pySame, PyTorchSameEpochs, "PyTorch, same allocator"));

            void Epoch(PyTorchWorker worker, List<JsonObject> into, string label)
            {
                var reply = worker.Ask("epoch");
                if ((int?)reply["epoch"] != epoch) throw new InvalidOperationException($"train.py trained epoch {reply["epoch"]} when epoch {epoch} was due");
                into.Add(reply);
                Console.WriteLine($"  {label} epoch {epoch}: {F(Number(reply, "img_s"), 0)} img/s ({F(Number(reply, "seconds"), 1)} s), " +
                    $"evaluation {F(Number(reply, "eval_img_s"), 0)} img/s, test accuracy {F(Number(reply, "accuracy"), 4)}");
            }
        }
    }

    private static double Number(JsonObject reply, string key) =>
        (double?)reply[key] ?? throw new InvalidOperationException($"train.py answered without '{key}'");

    private void Report(BenchContext context, TrainingOptions options, EpochWatch watch, CheckResult check, JsonObject? channelsLast,
        double peakRss, string pytorchVersion, int trainImages, JsonArray loadStart, JsonArray loadEnd, JsonObject loader)
    {
        var cs = watch.Epochs;
        var py = watch.PyTorchEpochs.OrderBy(r => (int)r["epoch"]!).ToList();
        var paired = cs.Take(py.Count).ToList();
        var csRate = paired.Select(e => e.ImagesPerSecond).ToList();
        var pyRate = py.Select(r => Number(r, "img_s")).ToList();
        var csEval = paired.Select(e => e.EvalImagesPerSecond).ToList();
        var pyEval = py.Select(r => Number(r, "eval_img_s")).ToList();
        var ratio = Turns.MedianRatio(csRate, pyRate);
        var evalRatio = Turns.MedianRatio(csEval, pyEval);
        var same = watch.PyTorchSameEpochs.OrderBy(r => (int)r["epoch"]!).ToList();
        var sameRate = same.Select(r => Number(r, "img_s")).ToList();
        var sameEval = same.Select(r => Number(r, "eval_img_s")).ToList();
        var ratioSame = Turns.MedianRatio(csRate, sameRate);
        var evalRatioSame = Turns.MedianRatio(csEval, sameEval);
        var firstRatio = csRate[0] / pyRate[0];
        var firstEvalRatio = csEval[0] / pyEval[0];
        var accuracy = cs[0].Accuracy;
        var pyAccuracy = Number(py[0], "accuracy");
        var rssFirst = cs[0].RssMb;
        var rssLast = cs[^1].RssMb;
        var growth = (rssLast - rssFirst) / rssFirst * 100;

        var byEpoch = new Table("epoch", "C# test accuracy", "PyTorch test accuracy", "PyTorch, same allocator", "C# img/s", "PyTorch img/s", "same-allocator img/s");
        for (var k = 0; k < cs.Count; k++)
        {
            byEpoch.Add(Text(k + 1), F(cs[k].Accuracy, 4), k < py.Count ? F(Number(py[k], "accuracy"), 4) : "", k < same.Count ? F(Number(same[k], "accuracy"), 4) : "",
                F(cs[k].ImagesPerSecond, 0), k < py.Count ? F(pyRate[k], 0) : "", k < same.Count ? F(sameRate[k], 0) : "");
        }
        Console.WriteLine();
        byEpoch.Print(Console.Out);

        var table = new Table("figure", "C#", "PyTorch", "C#/PyTorch", "target", "");
        table.Add($"  training: median of {csRate.Count} paired epochs (img/s), as shipped", F(Measure.Median(csRate), 0), F(Measure.Median(pyRate), 0), F(ratio, 3), "", "");
        table.Add("  same allocator setting on both sides", F(Measure.Median(csRate), 0), F(Measure.Median(sameRate), 0), F(ratioSame, 3),
            $">= {F(RatioTarget, 2)}", Mark(ratioSame >= RatioTarget));
        table.Add("evaluation after epoch 1 (img/s)", F(csEval[0], 0), F(pyEval[0], 0), F(firstEvalRatio, 3), "", "");
        table.Add($"  evaluation: median of {csEval.Count} paired, as shipped", F(Measure.Median(csEval), 0), F(Measure.Median(pyEval), 0), F(evalRatio, 3), "", "");
        table.Add("  same allocator setting on both sides", F(Measure.Median(csEval), 0), F(Measure.Median(sameEval), 0), F(evalRatioSame, 3),
            $">= {F(RatioTarget, 2)}", Mark(evalRatioSame >= RatioTarget));
        if (channelsLast is not null)
        {
            table.Add("PyTorch channels-last, one epoch (img/s)", F(Measure.Median(csRate), 0), F(Number(channelsLast, "img_s"), 0),
                F(Measure.Median(csRate) / Number(channelsLast, "img_s"), 3), "", "");
            table.Add("  its evaluation (img/s)", F(Measure.Median(csEval), 0), F(Number(channelsLast, "eval_img_s"), 0),
                F(Measure.Median(csEval) / Number(channelsLast, "eval_img_s"), 3), "", "");
        }
        table.Add("test accuracy after epoch 1", F(accuracy, 4), F(pyAccuracy, 4), "", $">= {F(AccuracyTarget, 2)}", Mark(accuracy >= AccuracyTarget));
        table.Add($"test accuracy after epoch {cs.Count}", F(cs[^1].Accuracy, 4), py.Count == cs.Count ? F(Number(py[^1], "accuracy"), 4) : "", "", "", "");
        table.Add("epoch-1 checkpoint in PyTorch: same class", F(check.Agreement, 4), "", "", "1", Mark(check.Agreement >= 1));
        table.Add("  largest probability difference", check.MaxProbabilityDifference.ToString("G3", CultureInfo.InvariantCulture), "", "", "", "");
        table.Add("peak RSS (MiB)", F(peakRss, 1), F(py.Max(r => Number(r, "peak_rss_mb")), 1), "", "", "");
        table.Add("RSS at the end of epoch 1 (MiB)", F(rssFirst, 1), "", "", "", "");
        table.Add($"RSS at the end of epoch {cs.Count} (MiB)", F(rssLast, 1), "", "", "", "");
        table.Add($"RSS growth, epoch 1 -> {cs.Count} (%)", F(growth, 2), "", "", $"< {F(GrowthTargetPercent, 0)} %", Mark(growth < GrowthTargetPercent));
        Console.WriteLine();
        table.Print(Console.Out);
        Console.WriteLine($"C# and PyTorch took turns epoch by epoch; the headline ratios are medians of the paired epochs' ratios. " +
            "The channels-last PyTorch epoch (context) ran once after the others: its row compares it with the C# medians. " +
            $"Load average {loadStart.ToJsonString()} before, {loadEnd.ToJsonString()} after (on {Environment.ProcessorCount} cores).");

        var json = context.Figures(Name, loadStart, loadEnd, pytorchVersion, new JsonObject
        {
            ["csharp_img_s"] = Measure.Median(csRate),
            ["pytorch_img_s"] = Measure.Median(pyRate),
            ["ratio_vs_pytorch"] = ratio,
            ["eval_ratio_vs_pytorch"] = evalRatio,
            ["ratio_vs_pytorch_same_allocator"] = ratioSame,
            ["eval_ratio_vs_pytorch_same_allocator"] = evalRatioSame,
            ["pytorch_same_allocator_img_s"] = Measure.Median(sameRate),
            ["ratio_target"] = RatioTarget,
            ["ratio_target_applies_to"] = "ratio_vs_pytorch_same_allocator and eval_ratio_vs_pytorch_same_allocator",
            ["accuracy_by_epoch"] = new JsonArray(cs.Select((e, k) => (JsonNode)new JsonObject
            {
                ["epoch"] = e.Epoch,
                ["csharp"] = e.Accuracy,
                ["pytorch"] = k < py.Count ? Number(py[k], "accuracy") : null,
                ["pytorch_same_allocator"] = k < same.Count ? Number(same[k], "accuracy") : null,
            }).ToArray()),
            ["data_loader"] = loader,
            ["ratio_definition"] = "median over paired epochs of C# img/s / PyTorch img/s (training: the epoch's steps; evaluation: the 10,000 test images), the two sides taking turns epoch by epoch",
            ["csharp_eval_img_s"] = Measure.Median(csEval),
            ["pytorch_eval_img_s"] = Measure.Median(pyEval),
            ["first_epoch"] = new JsonObject
            {
                ["csharp_img_s"] = csRate[0],
                ["pytorch_img_s"] = pyRate[0],
                ["ratio_vs_pytorch"] = firstRatio,
                ["csharp_eval_img_s"] = csEval[0],
                ["pytorch_eval_img_s"] = pyEval[0],
                ["eval_ratio_vs_pytorch"] = firstEvalRatio,
            },
            ["accuracy"] = accuracy,
            ["accuracy_target"] = AccuracyTarget,
            ["pytorch_accuracy"] = pyAccuracy,
            ["accuracy_last_epoch"] = cs[^1].Accuracy,
            ["pytorch_accuracy_last_epoch"] = Number(py[^1], "accuracy"),
            ["peak_rss_mb"] = peakRss,
            ["pytorch_peak_rss_mb"] = py.Max(r => Number(r, "peak_rss_mb")),
            ["rss_epoch1_mb"] = rssFirst,
            ["rss_last_epoch_mb"] = rssLast,
            ["rss_growth_percent"] = growth,
            ["rss_growth_target_percent"] = GrowthTargetPercent,
            ["checkpoint_in_pytorch"] = new JsonObject
            {
                ["what"] = "CnnVis's epoch-1 model.pt read by torch.load and load_state_dict into PyTorch's FashionNet, predicting the test images",
                ["agreement"] = check.Agreement,
                ["images"] = check.Images,
                ["state_dict_keys"] = check.Keys,
                ["max_probability_difference"] = check.MaxProbabilityDifference,
                ["pytorch_accuracy"] = check.PyTorchAccuracy,
            },
            ["setup"] = new JsonObject
            {
                ["model"] = options.Model,
                ["optimizer"] = $"{options.Optimizer} lr {options.LearningRate.ToString(CultureInfo.InvariantCulture)}",
                ["batch"] = options.BatchSize,
                ["eval_batch"] = 256,
                ["seed"] = options.Seed,
                ["train_images"] = trainImages,
                ["test_images"] = cs[0].Evaluation.Indices.Length,
                ["csharp_epochs"] = cs.Count,
                ["pytorch_epochs"] = py.Count,
                ["csharp"] = $"CnnVis.Training.Loop.Trainer, channels-last {options.ChannelsLast}, DataLoader with prefetch",
                ["pytorch"] = "bench/train.py: default eager loop on in-memory tensors, default (NCHW) memory format",
                ["memory_check"] = $"the same C# run: RSS at the end of epoch 1 and of epoch {cs.Count}, full epochs",
            },
            ["csharp_epochs"] = new JsonArray(cs.Select(e => (JsonNode)new JsonObject
            {
                ["epoch"] = e.Epoch,
                ["img_s"] = e.ImagesPerSecond,
                ["seconds"] = e.Seconds,
                ["train_loss"] = e.TrainLoss,
                ["eval_img_s"] = e.EvalImagesPerSecond,
                ["eval_seconds"] = e.EvalSeconds,
                ["accuracy"] = e.Accuracy,
                ["rss_mb"] = e.RssMb,
                ["live_tensors"] = e.LiveTensors,
            }).ToArray()),
            ["pytorch_epochs"] = new JsonArray(py.Select(r => (JsonNode)r.DeepClone()).ToArray()),
            ["pytorch_same_allocator_epochs"] = new JsonArray(same.Select(r => (JsonNode)r.DeepClone()).ToArray()),
            ["pytorch_channels_last"] = channelsLast?.DeepClone(),
            ["ratio_vs_pytorch_channels_last"] = channelsLast is null ? null : Measure.Median(csRate) / Number(channelsLast, "img_s"),
            ["eval_ratio_vs_pytorch_channels_last"] = channelsLast is null ? null : Measure.Median(csEval) / Number(channelsLast, "eval_img_s"),
        });
        var path = context.WriteJson(Name, json);
        Console.WriteLine($"wrote {path}");
    }
}
