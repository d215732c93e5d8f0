using CnnVis.Dashboard.Analysis;

namespace CnnVis.Dashboard.Endpoints;

/// <summary>
/// Downloads of post-hoc results: the image and each map as PNG, each map's raw values as .npy. A result is found
/// by its generated id among the ones kept in memory; row and map are numbers checked against it.
/// </summary>
public static class PostHocEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var results = app.MapGroup("/api/posthoc/{id:guid}");
        results.MapGet("/image.png", (Guid id, PostHocAnalysis analysis) =>
            analysis.Result(id) is { } result ? Results.File(result.ImagePng, "image/png") : Gone(id));
        results.MapGet("/{row:int}/{map:int}.png", (Guid id, int row, int map, PostHocAnalysis analysis) =>
            Find(analysis, id, row, map, out var found, out var problem) ? Results.File(found!.Png, "image/png", FileName(found, row, "png")) : problem!);
        results.MapGet("/{row:int}/{map:int}.npy", (Guid id, int row, int map, PostHocAnalysis analysis) =>
            Find(analysis, id, row, map, out var found, out var problem) ? Results.File(found!.Npy, "application/octet-stream", FileName(found, row, "npy")) : problem!);
    }

    private static bool Find(PostHocAnalysis analysis, Guid id, int row, int map, out PostHocMap? found, out IResult? problem)
    {
        found = null;
        problem = null;
        var result = analysis.Result(id);
        if (result is null)
        {
            problem = Gone(id);
            return false;
        }
        if (row < 0 || row >= result.Rows.Count || map < 0 || map >= result.Rows[row].Maps.Count)
        {
            problem = Results.NotFound($"result {id} has no map {row}/{map}");
            return false;
        }
        found = result.Rows[row].Maps[map];
        return true;
    }

    private static IResult Gone(Guid id) =>
        Results.NotFound($"no post-hoc result {id}: results are kept in memory, the newest {PostHocAnalysis.KeptResults}; explain the image again");

    // The download's name is built from the method's name with anything but letters, digits and '-' replaced.
    private static string FileName(PostHocMap map, int row, string extension) =>
        $"{new string(map.Method.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '+' ? c : '-').ToArray())}-{row}.{extension}";
}
