namespace CnnVis.Monitor.Store;

/// <summary>Which of a map's stored versions to read.</summary>
public enum MapResolution
{
    /// <summary>At the input's resolution: every method has it.</summary>
    Input,

    /// <summary>At the method's natural resolution (a CAM's feature-map grid); only methods that have one store it.</summary>
    Natural,
}
