using System.Globalization;
using System.Text.Json.Nodes;

namespace CnnVis.Bench;

/// <summary>How figures are written in the terminal tables and the JSON files.</summary>
internal static class Format
{
    /// <summary><paramref name="v"/> with <paramref name="digits"/> decimals, invariant culture.</summary>
    public static string F(double v, int digits) => v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string Text(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>"met" or "MISSED", for a table's target column.</summary>
    public static string Mark(bool met) => met ? "met" : "MISSED";

    public static JsonArray Array(IEnumerable<double> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public static JsonArray Array(IEnumerable<int> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    /// <summary>The 1-, 5- and 15-minute load averages (/proc/loadavg): how busy the machine was around a bench.</summary>
    public static JsonArray LoadAverage()
    {
        var fields = File.ReadAllText("/proc/loadavg").Split(' ');
        return Array(fields.Take(3).Select(f => double.Parse(f, CultureInfo.InvariantCulture)));
    }
}
