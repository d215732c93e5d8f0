using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Training.Onnx;

namespace CnnVis.Training.Models;

/// <summary>
/// ResNet-18 trained on ImageNet (ML.NET's <c>ResNet18.onnx</c>, read with <see cref="ResNet18Graph"/>), built
/// from CnnVis's own modules with torchvision's layer names and the batch norms kept as modules, behind
/// ML.NET's preprocessing (<see cref="ImageNetPreprocess"/>, so the input is an RGB image in [0, 1]), with a new
/// linear head for the user's classes. The backbone is frozen for transfer learning; <see cref="FineTune"/>
/// lets its last stage (<c>layer4</c>) train too. Frozen stages stay in evaluation mode while the model
/// trains, so their batch norms keep ImageNet's statistics.
/// </summary>
public sealed class ImageNetResNet18 : ClassifierModel
{
    public const string ZooName = "resnet18-imagenet";

    /// <summary>The side the network was trained at and the mean image is stored at.</summary>
    public const int ImageSize = 224;

    /// <summary>What <see cref="FineTune"/> accepts: nothing below the head, the last stage, or every layer.</summary>
    public static IReadOnlyList<string> FineTuneChoices { get; } = ["none", "layer4", "all"];

    private readonly ImageNetPreprocess? _preprocess;
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly ReLU _relu;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential _layer1, _layer2, _layer3, _layer4;
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Linear _classifier;
    private string _fineTune = "none";

    private ImageNetResNet18(int numClasses, IReadOnlyList<int> blocksPerStage, ResNetPreprocessGraph.Transform? preprocess) : base(ZooName, 3, numClasses)
    {
        if (blocksPerStage.Count != 4 || blocksPerStage.Any(b => b < 1))
            throw new ArgumentException($"a ResNet has 4 stages of at least one block, got [{string.Join(", ", blocksPerStage)}]", nameof(blocksPerStage));
        BlocksPerStage = blocksPerStage.ToArray();
        if (preprocess is not null)
        {
            using var scope = torch.NewDisposeScope();
            var mean = torch.tensor(preprocess.Mean.Data, preprocess.Mean.Dims);
            _preprocess = register_module("preprocess", new ImageNetPreprocess(preprocess.ChannelOrder, mean));
        }
        _conv1 = register_module("conv1", new Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false));
        _bn1 = register_module("bn1", new BatchNorm2d(64));
        _relu = register_module("relu", new ReLU());
        _maxpool = register_module("maxpool", new MaxPool2d(3, 2, 1));
        var stages = new Sequential[4];
        var inChannels = 64L;
        for (var s = 0; s < 4; s++)
        {
            var (channels, stride) = ResNet18Graph.Stages[s];
            var blocks = new List<Module> { new BasicBlock(inChannels, channels, stride) };
            for (var b = 1; b < blocksPerStage[s]; b++) blocks.Add(new BasicBlock(channels, channels));
            stages[s] = register_module($"layer{s + 1}", new Sequential(blocks.ToArray()));
            inChannels = channels;
        }
        (_layer1, _layer2, _layer3, _layer4) = (stages[0], stages[1], stages[2], stages[3]);
        _pool = register_module("pool", new AdaptiveAvgPool2d(1));
        _classifier = register_module("classifier", new Linear(512, numClasses));
        FineTune = "none";
    }

    /// <summary>
    /// Builds the network from ML.NET's two ONNX files, checking both graphs (<see cref="OnnxFormatException"/>
    /// names what differs) and copying every backbone weight and batch-norm statistic in; the head is new.
    /// </summary>
    public static ImageNetResNet18 FromOnnx(string backbonePath, string preprocessPath, int numClasses)
    {
        var backbone = ResNet18Graph.Read(OnnxReader.Read(backbonePath));
        var preprocess = ResNetPreprocessGraph.Read(OnnxReader.Read(preprocessPath));
        var model = new ImageNetResNet18(numClasses, backbone.BlocksPerStage, preprocess);
        try
        {
            model.LoadBackbone(backbone.Weights, backbonePath);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The same architecture untrained, every layer trainable and without the preprocessing: with 2, 2, 2, 2 blocks
    /// and 1000 classes it is torchvision's resnet18() (the bench's comparison).
    /// </summary>
    public static ImageNetResNet18 Untrained(int numClasses, IReadOnlyList<int> blocksPerStage) =>
        new(numClasses, blocksPerStage, preprocess: null) { FineTune = "all" };

    /// <summary>Builds the network from the ONNX files <see cref="ImageNetResNet18Files"/> finds.</summary>
    public static ImageNetResNet18 Load(int numClasses)
    {
        var files = ImageNetResNet18Files.Locate();
        return FromOnnx(files.Backbone, files.Preprocess, numClasses);
    }

    /// <summary>Basic blocks in each of the four stages, as the ONNX graph has them (ML.NET's: 2, 2, 2, 3).</summary>
    public IReadOnlyList<int> BlocksPerStage { get; }

    public override string ExplanationLayer => "layer4";

    protected override AdaptiveAvgPool2d Pool => _pool;

    protected override Linear Classifier => _classifier;

    /// <summary>ML.NET's input transform; none in an <see cref="Untrained"/> network.</summary>
    public ImageNetPreprocess? Preprocess => _preprocess;

    public override IReadOnlyList<int>? FirstConvolutionChannels => _preprocess?.ChannelOrder;

    /// <summary>
    /// What trains below the head: "none" (the backbone is frozen: only the head learns), "layer4" (the last
    /// stage learns too) or "all". Sets which parameters take gradients and which stages stay in evaluation mode.
    /// </summary>
    public string FineTune
    {
        get => _fineTune;
        set
        {
            var choice = value?.ToLowerInvariant();
            if (choice is null || !FineTuneChoices.Contains(choice))
                throw new ArgumentException($"cannot fine-tune '{value}' of {ZooName}: choose one of {string.Join(", ", FineTuneChoices)}");
            _fineTune = choice;
            foreach (var (name, p) in named_parameters())
                p.requires_grad = choice == "all" || name.StartsWith("classifier.", StringComparison.Ordinal) || (choice == "layer4" && name.StartsWith("layer4.", StringComparison.Ordinal));
            train(training);
        }
    }

    public override Module train(bool mode = true)
    {
        base.train(mode);
        if (mode && _fineTune != "all")
        {
            foreach (var (name, child) in named_children())
            {
                if (name != "classifier" && !(name == "layer4" && _fineTune == "layer4")) child.eval();
            }
        }
        return this;
    }

    protected override Tensor Body(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var pixels = _preprocess is null ? input : _preprocess.call(input);
        var x = _maxpool.call(_bn1.call_relu(_relu, _conv1.call(pixels)));
        x = _layer4.call(_layer3.call(_layer2.call(_layer1.call(x))));
        return scope.MoveToOuter(x);
    }

    private void LoadBackbone(IReadOnlyDictionary<string, OnnxTensor> weights, string source)
    {
        using var scope = torch.NewDisposeScope();
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in weights) state[name] = torch.tensor(t.Data, t.Dims);
        var (missing, unexpected) = load_state_dict(state, strict: false);
        // The ONNX graph has no head, no batch counters and no preprocessing weights; everything else must come from it.
        var notFromFile = missing.Where(k => !k.StartsWith("classifier.", StringComparison.Ordinal) && !k.StartsWith("preprocess.", StringComparison.Ordinal)
            && !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();
        if (notFromFile.Count > 0 || unexpected.Count > 0)
            throw new OnnxFormatException($"{source}: the graph's weights do not fill ResNet-18: missing {string.Join(", ", notFromFile)}; unexpected {string.Join(", ", unexpected)}");
    }
}
