namespace CnnVis.Dashboard.Data;

/// <summary>
/// The trust view's numbers by snapshot: explanation drift per (method, target), the stored faithfulness scores, and
/// the snapshots where explanations changed sharply while validation accuracy barely moved.
/// </summary>
public sealed record TrustSeries(IReadOnlyList<int> Snapshots, IReadOnlyList<long> Steps, IReadOnlyList<TrustLine> Drift,
    IReadOnlyList<TrustLine> Faithfulness, IReadOnlyList<long> MarkedSteps);
