using System.Diagnostics;
using System.Globalization;

namespace CnnVis.Bench;

/// <summary>Timing and process-memory helpers shared by the benches.</summary>
internal static class Measure
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) throw new ArgumentException("the median of no values");
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Seconds one call of <paramref name="body"/> takes, <paramref name="iterations"/> times in a row.</summary>
    public static double Seconds(int iterations, Action body)
    {
        var watch = Stopwatch.StartNew();
        for (var k = 0; k < iterations; k++) body();
        return watch.Elapsed.TotalSeconds;
    }

    /// <summary>Minor page faults this process has taken so far (minflt in /proc/self/stat): fresh memory being touched.</summary>
    public static long MinorFaults()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        // Fields follow the command name in parentheses; minflt is the 8th after it.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], CultureInfo.InvariantCulture);
    }

    /// <summary>The process's resident set (VmRSS in /proc/self/status), in MiB.</summary>
    public static double RssMb() => StatusMb("VmRSS");

    /// <summary>The largest resident set the process has had so far (VmHWM in /proc/self/status), in MiB.</summary>
    public static double PeakRssMb() => StatusMb("VmHWM");

    private static double StatusMb(string field)
    {
        var prefix = field + ":";
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var parts = line[prefix.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        throw new InvalidOperationException($"/proc/self/status has no {field} line");
    }
}
