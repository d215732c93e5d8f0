namespace CnnVis.Training.Models;

/// <summary>
/// Where ML.NET's ResNet-18 ONNX files are: NuGet restores the package
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> at build time and the build copies its two files beside the
/// program (<c>models/resnet18/</c>). <c>CNNVIS_RESNET18_DIR</c> names another folder holding them; the NuGet
/// package cache is looked in last.
/// </summary>
public sealed record ImageNetResNet18Files(string Backbone, string Preprocess)
{
    public const string PackageId = "microsoft.ml.dnnimagefeaturizer.resnet18";
    public const string PackageVersion = "0.23.1";
    public const string BackboneFile = "ResNet18.onnx";
    public const string PreprocessFile = "ResNetPreprocess.onnx";
    public const string EnvironmentVariable = "CNNVIS_RESNET18_DIR";

    /// <summary>The folders looked in, in order; each must hold both files.</summary>
    public static IEnumerable<string> SearchFolders()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } dir) yield return dir;
        yield return Path.Combine(AppContext.BaseDirectory, "models", "resnet18");
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        yield return Path.Combine(packages, PackageId, PackageVersion, "tools", "DnnImageModels");
    }

    /// <summary>The files, from the first folder that holds both; throws <see cref="FileNotFoundException"/> naming every folder tried.</summary>
    public static ImageNetResNet18Files Locate()
    {
        var tried = new List<string>();
        foreach (var folder in SearchFolders())
        {
            tried.Add(folder);
            // The package keeps each file in a folder of its own; the build's copy keeps them side by side.
            foreach (var (b, p) in new[] { (BackboneFile, PreprocessFile), (Path.Combine("ResNet18Onnx", BackboneFile), Path.Combine("ResNetPrepOnnx", PreprocessFile)) })
            {
                var backbone = Path.Combine(folder, b);
                var preprocess = Path.Combine(folder, p);
                if (File.Exists(backbone) && File.Exists(preprocess)) return new ImageNetResNet18Files(backbone, preprocess);
            }
        }
        throw new FileNotFoundException(
            $"the ImageNet ResNet-18 ({BackboneFile} and {PreprocessFile}) was not found; looked in {string.Join(", ", tried)}. " +
            $"Building CnnVis restores it from NuGet ({PackageId} {PackageVersion}); or set {EnvironmentVariable} to a folder holding both files");
    }
}
