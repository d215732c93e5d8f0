using CnnVis.Torch;

namespace CnnVis.Training.Data;

/// <summary>
/// A user's own images laid out one folder per class, <c>root/&lt;class&gt;/&lt;file&gt;</c> (PNG, JPEG
/// or BMP; subfolders of a class folder count too), as torchvision's ImageFolder. Classes are the
/// folder names in ordinal order. Images are decoded when first read, converted to the requested
/// number of channels, resized to a square, and kept (as bytes) for the rest of the run.
/// </summary>
public sealed class ImageFolder : ImageDataset
{
    public const int DefaultSize = 64;

    /// <summary>
    /// The largest side images are resized to: each decoded image is kept in memory (3 MB at 1024 pixels, RGB),
    /// and a batch of them is one buffer of floats.
    /// </summary>
    public const int MaxSize = 1024;
    private const int NormalizationSample = 256;

    public static readonly IReadOnlyList<string> Extensions = new[] { ".png", ".jpg", ".jpeg", ".bmp" };

    private readonly string[] _files;
    private readonly int[] _labels;
    private readonly string[] _classNames;
    private readonly byte[]?[] _decoded;
    private readonly Lazy<Normalization> _normalization;

    /// <param name="root">The folder holding one folder per class.</param>
    /// <param name="size">Side of the square the images are resized to.</param>
    /// <param name="channels">1 (grey) or 3 (RGB); images are converted as they are decoded.</param>
    /// <param name="normalization">By default measured over up to 256 of the images.</param>
    /// <param name="classNames">
    /// The classes to label by, e.g. a training folder's when this is its test folder; every class
    /// folder must be one of them. By default the class folders found.
    /// </param>
    public ImageFolder(string root, int size = DefaultSize, int channels = 3, Normalization? normalization = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (size is < 1 or > MaxSize) throw new ArgumentOutOfRangeException(nameof(size), $"the image size must be 1 to {MaxSize} pixels, got {size}");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), $"images can be read with 1 or 3 channels, got {channels}");
        if (!System.IO.Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: no such folder");
        normalization?.Validate(channels);

        var classFolders = System.IO.Directory.GetDirectories(root)
            .Where(d => !Path.GetFileName(d).StartsWith('.'))
            .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal)
            .ToArray();
        if (classFolders.Length == 0)
        {
            var loose = System.IO.Directory.EnumerateFiles(root).Any(IsImage);
            throw new InvalidDataException(loose
                ? $"{root}: images must sit in one folder per class (root/<class>/<image>), but they lie in the root itself"
                : $"{root}: no class folders; expected root/<class>/<image> with {string.Join(", ", Extensions)} images");
        }

        _classNames = classNames?.ToArray() ?? classFolders.Select(d => Path.GetFileName(d)).ToArray();
        var files = new List<string>();
        var labels = new List<int>();
        foreach (var folder in classFolders)
        {
            var name = Path.GetFileName(folder);
            var label = Array.IndexOf(_classNames, name);
            if (label < 0)
                throw new InvalidDataException($"{folder}: '{name}' is not one of the classes {string.Join(", ", _classNames)}");
            var images = System.IO.Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => IsImage(f) && !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
                .OrderBy(f => f, StringComparer.Ordinal)
                .ToArray();
            if (images.Length == 0)
                throw new InvalidDataException($"{folder}: class '{name}' has no images ({string.Join(", ", Extensions)})");
            files.AddRange(images);
            labels.AddRange(Enumerable.Repeat(label, images.Length));
        }

        Root = root;
        Size = size;
        Channels = channels;
        _files = files.ToArray();
        _labels = labels.ToArray();
        _decoded = new byte[]?[_files.Length];
        _normalization = normalization is not null
            ? new Lazy<Normalization>(normalization)
            : new Lazy<Normalization>(MeasureNormalization, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Root { get; }

    public int Size { get; }

    /// <summary>The image files, in dataset order.</summary>
    public IReadOnlyList<string> Files => _files;

    public override string Name => "folder:" + Root;
    public override int Count => _files.Length;
    public override IReadOnlyList<string> ClassNames => _classNames;
    public override int Channels { get; }
    public override int Height => Size;
    public override int Width => Size;
    public override Normalization Normalization => _normalization.Value;

    public override void CopyImage(int index, Span<float> destination)
    {
        CheckIndex(index);
        CheckDestination(destination, ImageLength);
        var pixels = Decoded(index);
        for (var i = 0; i < pixels.Length; i++) destination[i] = pixels[i] / 255f;
    }

    public override int Label(int index)
    {
        CheckIndex(index);
        return _labels[index];
    }

    /// <summary>Decodes every image now (in parallel), so that a bad file stops a run before it starts.</summary>
    public void Preload()
    {
        try
        {
            Parallel.For(0, Count, i => Decoded(i));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Report the bad file that comes first by path, whichever thread met it first, so the message is stable.
            var first = e.InnerExceptions.OfType<InvalidDataException>().OrderBy(x => x.Message, StringComparer.Ordinal).FirstOrDefault();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first ?? e.InnerExceptions[0]).Throw();
        }
    }

    private byte[] Decoded(int index)
    {
        // Two threads may decode the same image at once; both get the same bytes, and one copy is kept.
        return _decoded[index] ??= Decode(_files[index]);
    }

    private byte[] Decode(string path)
    {
        // A scope of our own: this may run on a loader's background thread, or in parallel.
        using var scope = torch.NewDisposeScope();
        Tensor image;
        try
        {
            image = torchvision.io.read_image(path, Channels);
        }
        catch (TorchException e)
        {
            throw new InvalidDataException(e.Message.Contains(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}", e);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"{path}: the image has gone since the folder was listed", path, e);
        }
        var shape = image.shape;
        if (shape.Length != 3 || shape[2] != Channels)
            throw new InvalidDataException($"{path}: decoded to [{string.Join(", ", shape)}], expected [height, width, {Channels}]");
        return ImageResize.ToChw(image.data<byte>(), (int)shape[0], (int)shape[1], Channels, Size, Size);
    }

    private Normalization MeasureNormalization()
    {
        var step = Math.Max(1, Count / NormalizationSample);
        var sample = Enumerable.Range(0, Math.Min(Count, NormalizationSample)).Select(k => k * step).Where(i => i < Count);
        return Normalization.Measure(sample.Select(GetImage), Channels);
    }

    private static bool IsImage(string path) =>
        Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase) && !Path.GetFileName(path).StartsWith('.');
}
