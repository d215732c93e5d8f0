namespace CnnVis.Monitor;

/// <summary>Which class each probe's maps explain: its true class (the same question at every snapshot), the predicted one, or both.</summary>
public enum MonitorTargets
{
    True,
    Predicted,
    Both,
}
