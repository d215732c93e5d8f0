using CnnVis.Torch.Native;

namespace CnnVis.Torch;

/// <summary>Image input and output, as torchvision.io: uint8 tensors laid out [H, W, C].</summary>
public static class torchvision
{
    public static class io
    {
        /// <summary>The most pixels (width x height) an image may declare unless the caller allows more: 64 megapixels.</summary>
        public const long DefaultMaxPixels = 64L << 20;

        /// <summary>The largest image file <see cref="read_image"/> reads: 1 GiB.</summary>
        public const long MaxImageFileBytes = 1L << 30;

        /// <summary>
        /// Decodes PNG, JPEG, BMP or GIF bytes; channels 0 keeps the file's, 1/3/4 converts. An image whose header
        /// declares more than <paramref name="maxPixels"/> pixels is refused before it is decoded, and a truncated
        /// one is refused rather than padded with black.
        /// </summary>
        public static unsafe Tensor decode_image(ReadOnlySpan<byte> data, int channels = 0, long maxPixels = DefaultMaxPixels)
        {
            NativeMethods.EnsureLoaded();
            IntPtr t;
            fixed (byte* p = data) TorchException.ThrowIfFailed(NativeMethods.cv_image_decode(p, data.Length, channels, maxPixels, out t));
            return new Tensor(t);
        }

        public static unsafe Tensor read_image(string path, int channels = 0, long maxPixels = DefaultMaxPixels)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
            NativeMethods.EnsureLoaded();
            var data = IntPtr.Zero;
            try
            {
                TorchException.ThrowIfFailed(NativeMethods.cv_file_read(path, MaxImageFileBytes, out data, out var n));
                return decode_image(new ReadOnlySpan<byte>((void*)data, checked((int)n)), channels, maxPixels);
            }
            catch (TorchException e)
            {
                throw e.WithContext(path);
            }
            finally
            {
                if (data != IntPtr.Zero) NativeMethods.cv_free(data);
            }
        }

        /// <summary>Decoded images whose pixels are still held (by tensors) in native memory: for leak tests.</summary>
        public static long LiveDecodedImages
        {
            get
            {
                NativeMethods.EnsureLoaded();
                TorchException.ThrowIfFailed(NativeMethods.cv_image_live_buffers(out var count));
                return count;
            }
        }

        /// <summary>Encodes a uint8 [H, W, C] (C = 1..4) or [H, W] tensor as PNG.</summary>
        public static unsafe byte[] encode_png(Tensor image)
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_image_encode_png(image.Handle, out var data, out var n), "encode_png");
            try
            {
                return new ReadOnlySpan<byte>((void*)data, checked((int)n)).ToArray();
            }
            finally
            {
                NativeMethods.cv_free(data);
            }
        }

        public static void write_png(Tensor image, string path) => File.WriteAllBytes(path, encode_png(image));
    }
}
