using CnnVis.Torch.Modules;

namespace CnnVis.Torch;

public static partial class torch
{
    /// <summary>Layer factories, as torch.nn in TorchSharp.</summary>
    public static partial class nn
    {
        public static Conv2d Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
            long dilation = 1, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias);

        public static Linear Linear(long in_features, long out_features, bool bias = true) => new(in_features, out_features, bias);

        public static BatchNorm2d BatchNorm2d(long num_features, double eps = 1e-5, double momentum = 0.1) => new(num_features, eps, momentum);

        public static ReLU ReLU() => new();

        public static MaxPool2d MaxPool2d(long kernel_size, long? stride = null, long padding = 0) => new(kernel_size, stride, padding);

        public static AdaptiveAvgPool2d AdaptiveAvgPool2d(long output_size) => new(output_size);

        public static Dropout Dropout(double p = 0.5) => new(p);

        public static Flatten Flatten(long start_dim = 1, long end_dim = -1) => new(start_dim, end_dim);

        public static Identity Identity() => new();

        public static Sequential Sequential(params Module[] layers) => new(layers);

        public static Sequential Sequential(params (string name, Module module)[] layers) => new(layers);

        /// <summary>In-place initialisers, as torch.nn.init.</summary>
        public static class init
        {
            public static Tensor uniform_(Tensor t, double a = 0, double b = 1)
            {
                using (no_grad()) return t.uniform_(a, b);
            }

            public static Tensor normal_(Tensor t, double mean = 0, double std = 1)
            {
                using (no_grad()) return t.normal_(mean, std);
            }

            public static Tensor zeros_(Tensor t)
            {
                using (no_grad()) return t.zero_();
            }

            public static Tensor ones_(Tensor t)
            {
                using (no_grad()) return t.fill_(1);
            }

            public static Tensor constant_(Tensor t, double value)
            {
                using (no_grad()) return t.fill_(value);
            }

            /// <summary>He initialisation, fan-out mode for ReLU (what torchvision uses for ResNet convs).</summary>
            public static Tensor kaiming_normal_(Tensor t, bool fan_out = true)
            {
                var s = t.shape;
                if (s.Length < 2) throw new ArgumentException("kaiming_normal_ needs a tensor with at least 2 dimensions");
                long receptive = 1;
                for (var k = 2; k < s.Length; k++) receptive *= s[k];
                var fan = (fan_out ? s[0] : s[1]) * receptive;
                return normal_(t, 0, Math.Sqrt(2.0 / fan));
            }
        }
    }
}
