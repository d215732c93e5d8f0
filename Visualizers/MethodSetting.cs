namespace CnnVis.Visualizers;

/// <summary>
/// One setting a method takes in its spec (<c>key=value</c>), for listings: its key, the value used when it is not
/// given, the values it accepts and what it changes.
/// </summary>
public sealed record MethodSetting(string Key, string Default, string Accepts, string Description)
{
    public override string ToString() => $"{Key}={Default} ({Accepts}): {Description}";
}
