namespace CnnVis.Torch.Modules;

/// <summary>How <see cref="Sequential"/> runs a step of its children.</summary>
public enum SequentialPath
{
    /// <summary>One child, through its own <see cref="Module.call"/> (hooks run).</summary>
    Module,

    /// <summary>A BatchNorm2d and the ReLU after it as one operator (<see cref="BatchNorm2d.forward_relu"/>).</summary>
    BatchNormRelu,

    /// <summary>A run of eval-mode convolutions, batch norms, ReLUs and max-pools as one <see cref="torch.ops.conv_stack"/> call.</summary>
    ConvStack,
}
