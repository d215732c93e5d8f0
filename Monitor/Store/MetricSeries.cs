namespace CnnVis.Monitor.Store;

/// <summary>A metric over a run, ordered by step.</summary>
public sealed record MetricSeries(string Name, long[] Steps, int[] Epochs, double[] Values)
{
    public int Count => Steps.Length;
}
