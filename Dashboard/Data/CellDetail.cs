using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Data;

/// <summary>
/// What the timeline's enlarged cell shows beside itself: one probe at one snapshot, every method's map there and
/// the CAM channel weights the monitor kept for it (per target).
/// </summary>
public sealed record CellDetail(SnapshotInfo Snapshot, int Probe, IReadOnlyList<StoredMap> Maps, IReadOnlyList<ChannelWeights> ChannelWeights);
