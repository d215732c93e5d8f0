using System.Runtime.InteropServices;
using CnnVis.Torch.Native;

namespace CnnVis.Torch;

public static partial class torch
{
    /// <summary>
    /// Saves named tensors as a state dict in PyTorch's zip format (Python's torch.load reads it). The file
    /// is written beside the target and renamed over it, so an interrupted save never leaves half a file.
    /// </summary>
    public static unsafe void save(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentException.ThrowIfNullOrEmpty(path);
        NativeMethods.EnsureLoaded();
        var list = tensors.ToList();
        var names = new IntPtr[list.Count];
        var handles = new IntPtr[list.Count];
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full);
        if (dir is not null && !Directory.Exists(dir)) throw new DirectoryNotFoundException($"{path}: the folder {dir} does not exist");
        var temp = full + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var held = new HeldTensors(list.Count))
            {
                for (var k = 0; k < list.Count; k++)
                {
                    names[k] = Marshal.StringToCoTaskMemUTF8(list[k].Key);
                    handles[k] = held.Hold(list[k].Value);
                }
                fixed (IntPtr* n = names)
                fixed (IntPtr* h = handles)
                {
                    TorchException.ThrowIfFailed(NativeMethods.cv_state_dict_save(temp, n, h, list.Count), path);
                }
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            foreach (var n in names) Marshal.FreeCoTaskMem(n);
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The largest .pt file <see cref="load(string, long)"/> reads unless told otherwise: 2 GiB.</summary>
    public const long DefaultMaxLoadBytes = 2L << 30;

    /// <summary>
    /// Loads a state dict saved by <see cref="save"/> or by PyTorch's torch.save(model.state_dict()). The file is
    /// untrusted input: one over <paramref name="maxBytes"/>, or one that is not a regular file (a device or FIFO
    /// that may never end), is refused before it is read, with a message naming it.
    /// </summary>
    public static unsafe OrderedDictionary<string, Tensor> load(string path, long maxBytes = DefaultMaxLoadBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        NativeMethods.EnsureLoaded();
        var data = IntPtr.Zero;
        try
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_file_read(path, maxBytes, out data, out var n));
            return Load((byte*)data, n);
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

    /// <summary>Loads a state dict from the bytes of a .pt file. The caller owns the tensors.</summary>
    public static unsafe OrderedDictionary<string, Tensor> load(ReadOnlySpan<byte> bytes)
    {
        NativeMethods.EnsureLoaded();
        fixed (byte* p = bytes) return Load(p, bytes.Length);
    }

    private static unsafe OrderedDictionary<string, Tensor> Load(byte* bytes, long length)
    {
        IntPtr sd;
        TorchException.ThrowIfFailed(NativeMethods.cv_state_dict_load(bytes, length, out sd));
        try
        {
            TorchException.ThrowIfFailed(NativeMethods.cv_state_dict_size(sd, out var n));
            var result = new OrderedDictionary<string, Tensor>();
            for (var k = 0; k < n; k++)
            {
                TorchException.ThrowIfFailed(NativeMethods.cv_state_dict_entry(sd, k, out var name, out var t));
                result[Marshal.PtrToStringUTF8(name)!] = new Tensor(t);
            }
            return result;
        }
        finally
        {
            NativeMethods.cv_state_dict_free(sd);
        }
    }
}
