using CnnVis.Monitor.Store;
using Microsoft.AspNetCore.Components;

namespace CnnVis.Dashboard.Components.Shared;

/// <summary>The run's name and status, and the tabs to its views.</summary>
public partial class RunHeader
{
    private static readonly (string Path, string Label)[] Views =
        [("", "Overview"), ("/timeline", "Explanation timeline"), ("/cube", "Validation cube"), ("/layers", "Layers"), ("/filters", "Filters"), ("/trust", "Trust"), ("/posthoc", "Post-hoc")];

    [Parameter, EditorRequired]
    public RunSummary Run { get; set; } = default!;

    [Parameter]
    public string Active { get; set; } = "";
}
