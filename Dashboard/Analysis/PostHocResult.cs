namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// A finished post-hoc analysis, kept in memory under a generated id (the download endpoints look it up; nothing the
/// browser sends names a file): the image as the model saw it, its label when known, and a row per model.
/// </summary>
public sealed record PostHocResult(Guid Id, string ImageName, byte[] ImagePng, int? Label, IReadOnlyList<string> Methods, IReadOnlyList<PostHocRow> Rows);
