namespace CnnVis.Dashboard.Data;

/// <summary>One line of the trust view: a name ("gradcam · true") and a value per snapshot (null where none).</summary>
public sealed record TrustLine(string Name, double?[] Values);
