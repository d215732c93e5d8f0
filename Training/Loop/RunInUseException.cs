namespace CnnVis.Training.Loop;

/// <summary>
/// Another trainer holds the run folder. An <see cref="IOException"/>: the folder is a resource in use,
/// which the user can act on (wait, stop the other run, or choose another folder).
/// </summary>
public sealed class RunInUseException(string directory, RunOwner? owner)
    : IOException(owner is null
        ? $"{directory}: the run folder is in use by another process; wait for it to finish, stop it, or train into another --out folder"
        : $"{directory}: the run folder is in use by {owner}; wait for it to finish, stop it, or train into another --out folder")
{
    public string Directory { get; } = directory;

    /// <summary>Who holds the folder, when its owner record could be read.</summary>
    public RunOwner? Owner { get; } = owner;
}
