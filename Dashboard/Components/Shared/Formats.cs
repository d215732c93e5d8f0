using System.Globalization;

namespace CnnVis.Dashboard.Components.Shared;

/// <summary>How numbers and times read on every page (invariant, so a server's locale never changes them).</summary>
public static class Formats
{
    public static string Percent(double? fraction) => fraction is { } f && double.IsFinite(f) ? (f * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : "–";

    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
