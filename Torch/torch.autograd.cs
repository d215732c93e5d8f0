using CnnVis.Torch.Native;

namespace CnnVis.Torch;

public static partial class torch
{
    public static class autograd
    {
        /// <summary>
        /// Gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, without touching any
        /// tensor's .grad. An input the outputs do not depend on gives null when <paramref name="allow_unused"/>.
        /// </summary>
        public static unsafe Tensor?[] grad(IList<Tensor> outputs, IList<Tensor> inputs, IList<Tensor?>? grad_outputs = null,
            bool retain_graph = false, bool create_graph = false, bool allow_unused = false)
        {
            ArgumentNullException.ThrowIfNull(outputs);
            ArgumentNullException.ThrowIfNull(inputs);
            if (grad_outputs is not null && grad_outputs.Count != outputs.Count)
                throw new ArgumentException($"grad_outputs has {grad_outputs.Count} entries but there are {outputs.Count} outputs");
            var outs = stackalloc IntPtr[outputs.Count];
            var gouts = stackalloc IntPtr[outputs.Count];
            var ins = stackalloc IntPtr[inputs.Count];
            var res = stackalloc IntPtr[inputs.Count];
            using (var held = new HeldTensors(2 * outputs.Count + inputs.Count))
            {
                for (var k = 0; k < outputs.Count; k++)
                {
                    outs[k] = held.Hold(outputs[k] ?? throw new ArgumentException($"output {k} is null", nameof(outputs)));
                    gouts[k] = held.Hold(grad_outputs?[k]);
                }
                for (var k = 0; k < inputs.Count; k++) ins[k] = held.Hold(inputs[k] ?? throw new ArgumentException($"input {k} is null", nameof(inputs)));
                TorchException.ThrowIfFailed(NativeMethods.cv_autograd_grad(outs, gouts, outputs.Count, ins, inputs.Count,
                    retain_graph || create_graph ? 1 : 0, create_graph ? 1 : 0, allow_unused ? 1 : 0, res), "autograd.grad");
            }
            var result = new Tensor?[inputs.Count];
            for (var k = 0; k < inputs.Count; k++) result[k] = res[k] == IntPtr.Zero ? null : new Tensor(res[k]);
            return result;
        }
    }
}
