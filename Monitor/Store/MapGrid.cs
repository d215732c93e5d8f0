namespace CnnVis.Monitor.Store;

/// <summary>
/// Every stored map of one method and target in a run: <see cref="Cells"/>[s][p] is probe <see cref="Probes"/>[p]
/// at snapshot <see cref="Snapshots"/>[s], or null where that snapshot has no such map.
/// </summary>
public sealed record MapGrid(string Method, string Target, IReadOnlyList<SnapshotInfo> Snapshots, IReadOnlyList<int> Probes, StoredMap?[][] Cells)
{
    /// <summary>Whether the cells are the maps at input resolution or at the method's natural one.</summary>
    public MapResolution Resolution { get; init; } = MapResolution.Input;
}
