namespace CnnVis.Dashboard.Analysis;

/// <summary>Where the image of a post-hoc analysis comes from.</summary>
public enum ImageSource
{
    /// <summary>One of the run's probes, by its position among them.</summary>
    Probe,

    /// <summary>Any validation image of the run's dataset, by its index there (as the validation cube numbers them).</summary>
    Validation,

    /// <summary>A PNG or JPEG the user uploaded.</summary>
    Upload,
}
