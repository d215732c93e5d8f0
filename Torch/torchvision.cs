using CnnVis.Torch.Native;

namespace CnnVis.Torch;

/// <summary>Image input and output, as torchvision.io: uint8 tensors laid out [H, W, C].</summary>
public static class torchvision
{
    public static class io
    {
        /// <summary>Decodes PNG, JPEG, BMP or GIF bytes; channels 0 keeps the file's, 1/3/4 converts.</summary>
        public static unsafe Tensor decode_image(ReadOnlySpan<byte> data, int channels = 0)
        {
            NativeMethods.EnsureLoaded();
            IntPtr t;
            fixed (byte* p = data) TorchException.ThrowIfFailed(NativeMethods.cv_image_decode(p, data.Length, channels, out t));
            return new Tensor(t);
        }

        public static Tensor read_image(string path, int channels = 0)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
            try
            {
                return decode_image(File.ReadAllBytes(path), channels);
            }
            catch (TorchException e)
            {
                throw e.WithContext(path);
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
