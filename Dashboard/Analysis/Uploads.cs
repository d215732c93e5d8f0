using System.Globalization;
using CnnVis.Torch;
using CnnVis.Training.Models;
using Microsoft.AspNetCore.Components.Forms;

namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// What the dashboard accepts from a browser, checked by content, never by name: a size limit enforced while
/// reading, PNG or JPEG by their magic bytes and then an actual decode by the engine's hardened loader under a
/// pixel limit, a .pt by its zip signature and then libtorch's hardened state-dict reader. Nothing is written to
/// disk and the file's name is only ever shown, never used as a path.
/// </summary>
public static class Uploads
{
    /// <summary>The default size limit of one upload: 10 MB.</summary>
    public const long DefaultLimitBytes = 10L << 20;

    /// <summary>The most pixels an uploaded image may declare: 16 megapixels (a 4096 × 4096 photo).</summary>
    public const long MaxImagePixels = 16L << 20;

    private static readonly byte[] s_png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] s_jpeg = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] s_zip = [(byte)'P', (byte)'K', 0x03, 0x04];

    /// <summary>Reads a browser file into memory, refusing it (before and while reading) when it is over <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]> ReadAsync(IBrowserFile file, long limit, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Size > limit) throw TooLarge(file.Name, file.Size, limit);
        try
        {
            // The browser's size is only a claim: the stream itself stops one byte past the limit.
            await using var stream = file.OpenReadStream(limit + 1, cancellation);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory, cancellation).ConfigureAwait(false);
            if (memory.Length > limit) throw TooLarge(file.Name, memory.Length, limit);
            return memory.ToArray();
        }
        catch (IOException e)
        {
            throw new UploadRefusedException($"{file.Name}: the upload did not arrive whole ({e.Message})", e);
        }
    }

    /// <summary>
    /// Decodes an uploaded PNG or JPEG with <paramref name="channels"/> channels (1 or 3), refusing anything else,
    /// anything larger than <paramref name="limit"/> bytes or <see cref="MaxImagePixels"/> pixels, and truncated files.
    /// </summary>
    public static UploadedImage DecodeImage(string fileName, ReadOnlySpan<byte> data, int channels, long limit = DefaultLimitBytes)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (data.Length > limit) throw TooLarge(fileName, data.Length, limit);
        if (!data.StartsWith(s_png) && !data.StartsWith(s_jpeg))
            throw new UploadRefusedException($"{fileName}: not a PNG or JPEG image (its content does not start like one); upload a .png or .jpg picture");
        try
        {
            using var pixels = torchvision.io.decode_image(data, channels, MaxImagePixels);
            var shape = pixels.shape;
            using var contiguous = pixels.contiguous();
            return new UploadedImage(fileName, (int)shape[0], (int)shape[1], (int)shape[2], contiguous.data<byte>());
        }
        catch (TorchException e)
        {
            throw new UploadRefusedException($"{fileName}: the image cannot be decoded: {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks an uploaded state_dict: a zip archive that libtorch reads and that loads into the zoo model
    /// <paramref name="model"/> built for <paramref name="channels"/> input channels and <paramref name="classes"/> classes.
    /// </summary>
    public static UploadedModel CheckModel(string fileName, byte[] data, string model, int channels, int classes, long limit = DefaultLimitBytes)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length > limit) throw TooLarge(fileName, data.Length, limit);
        if (!data.AsSpan().StartsWith(s_zip))
            throw new UploadRefusedException($"{fileName}: not a PyTorch state_dict .pt (torch.save writes a zip archive; this file does not start like one)");
        if (!ModelZoo.Names.Contains(model, StringComparer.OrdinalIgnoreCase))
            throw new UploadRefusedException($"unknown model '{model}'; the zoo has {string.Join(", ", ModelZoo.Names)}");
        try
        {
            using var built = ModelZoo.Create(model, channels, classes);
            Load(built, data, fileName);
        }
        catch (TorchException e)
        {
            throw new UploadRefusedException($"{fileName}: not a readable state_dict: {e.Message}", e);
        }
        return new UploadedModel(fileName, model.ToLowerInvariant(), data);
    }

    /// <summary>Loads checked state-dict bytes into <paramref name="model"/>; a mismatch is refused with the keys that differ.</summary>
    internal static void Load(Module model, byte[] data, string fileName)
    {
        var state = torch.load(data);
        try
        {
            model.load_state_dict(state);
        }
        catch (StateDictMismatchException e)
        {
            throw new UploadRefusedException($"{fileName}: {e.Message}", e);
        }
        finally
        {
            foreach (var tensor in state.Values) tensor.Dispose();
        }
    }

    // In bytes as well: a file just over the limit would read "10.0 MB, limited to 10.0 MB" in megabytes alone.
    private static UploadRefusedException TooLarge(string name, long size, long limit) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{name} is {size:N0} bytes: uploads are limited to {limit / 1048576.0:0.##} MB ({limit:N0} bytes)"));
}
