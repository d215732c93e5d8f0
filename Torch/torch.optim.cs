using CnnVis.Torch.Optim;

namespace CnnVis.Torch;

public static partial class torch
{
    /// <summary>Optimizer factories, as torch.optim.</summary>
    public static class optim
    {
        public static SGD SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0,
            double weight_decay = 0, bool nesterov = false) => new(parameters, lr, momentum, dampening, weight_decay, nesterov);

        public static Adam Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
            double eps = 1e-8, double weight_decay = 0) => new(parameters, lr, beta1, beta2, eps, weight_decay);

        public static Adam AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
            double eps = 1e-8, double weight_decay = 1e-2) => new(parameters, lr, beta1, beta2, eps, weight_decay, decoupled: true);
    }
}
