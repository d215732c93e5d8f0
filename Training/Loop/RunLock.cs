namespace CnnVis.Training.Loop;

/// <summary>
/// Ownership of a run folder for as long as a process trains into it. The lock is the operating
/// system's (an exclusive lock on <see cref="LockFileName"/>, flock on Linux): it is released when
/// the owner disposes it or dies, however it dies, so a lock left by a dead process is simply taken
/// over. Who holds the folder is written beside it (<see cref="OwnerFileName"/>: process id, host,
/// start time), because the locked file itself cannot be read by others while it is held.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string LockFileName = "run.lock";
    public const string OwnerFileName = "run.owner";

    // Another process's IsHeld check holds a shared lock for an instant; a few tries ride over it.
    private const int Attempts = 5;
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromMilliseconds(40);

    private FileStream? _lock;

    private RunLock(string directory, FileStream stream, RunOwner owner, RunOwner? previous)
    {
        Directory = directory;
        _lock = stream;
        Owner = owner;
        StaleOwner = previous;
    }

    /// <summary>The run folder, as a full path.</summary>
    public string Directory { get; }

    /// <summary>This process, as recorded in the owner file.</summary>
    public RunOwner Owner { get; }

    /// <summary>The owner recorded by a process that ended without releasing the folder, when there was one.</summary>
    public RunOwner? StaleOwner { get; }

    /// <summary>
    /// Takes the run folder <paramref name="runDirectory"/> (created if missing) for this process, or throws
    /// <see cref="RunInUseException"/> naming the folder and the process that holds it. A second lock on
    /// the same folder fails within one process too.
    /// </summary>
    public static RunLock Acquire(string runDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        var directory = Path.GetFullPath(runDirectory);
        System.IO.Directory.CreateDirectory(directory);
        var lockPath = Path.Combine(directory, LockFileName);
        for (var attempt = 1; ; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (IsLockConflict(e))
            {
                if (attempt < Attempts)
                {
                    Thread.Sleep(s_retryDelay);
                    continue;
                }
                throw new RunInUseException(directory, ReadOwner(directory));
            }
            try
            {
                // Whoever is named in the owner file now is gone: the kernel would not have let us take the lock otherwise.
                var previous = ReadOwner(directory);
                var owner = RunOwner.Current();
                WriteOwner(directory, owner);
                return new RunLock(directory, stream, owner, previous);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Whether a process holds <paramref name="runDirectory"/> now, and who (null when its owner record is
    /// not readable). Never takes the folder: it only asks for a shared lock for an instant.
    /// </summary>
    public static bool IsHeld(string runDirectory, out RunOwner? owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        owner = null;
        var lockPath = Path.Combine(runDirectory, LockFileName);
        if (!File.Exists(lockPath)) return false;
        try
        {
            using (new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) { }
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException e) when (IsLockConflict(e))
        {
            owner = ReadOwner(runDirectory);
            return true;
        }
    }

    /// <summary>Gives the folder up: the owner record goes, then the lock; the empty lock file stays.</summary>
    public void Dispose()
    {
        var stream = Interlocked.Exchange(ref _lock, null);
        if (stream is null) return;
        try
        {
            File.Delete(Path.Combine(Directory, OwnerFileName));
        }
        catch (IOException)
        {
            // The owner record is only a label; a left-over one is recognised as stale by the next owner.
        }
        catch (UnauthorizedAccessException)
        {
        }
        // The lock file is never deleted: deleting it would let a process that opened the old file and one that
        // creates a new one both believe they hold the folder.
        stream.Dispose();
    }

    private static RunOwner? ReadOwner(string directory)
    {
        try
        {
            return RunOwner.Parse(File.ReadAllText(Path.Combine(directory, OwnerFileName)));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void WriteOwner(string directory, RunOwner owner)
    {
        // Written aside and renamed, so a reader sees a whole record or the previous one.
        var path = Path.Combine(directory, OwnerFileName);
        var temp = $"{path}.tmp-{Environment.ProcessId}";
        File.WriteAllText(temp, owner.Format());
        File.Move(temp, path, overwrite: true);
    }

    // .NET reports a lock held elsewhere as an IOException carrying EWOULDBLOCK on Unix, ERROR_SHARING_VIOLATION on Windows.
    private static bool IsLockConflict(IOException e) =>
        e is not FileNotFoundException and not DirectoryNotFoundException
        && (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult is 11);
}
