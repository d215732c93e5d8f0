using System.Diagnostics;
using CnnVis.Training.Loop;

namespace CnnVis.Training.Tests.Loop;

public sealed class RunLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-runlock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string InUse(string directory, int pid) =>
        $"{directory}: the run folder is in use by process {pid} on {Environment.MachineName} since ";

    [Fact]
    public void ASecondLockOnTheSameFolderIsRefusedNamingTheFolderAndTheOwnersProcessId()
    {
        var run = Path.Combine(_dir, "run");
        using var first = RunLock.Acquire(run);
        Assert.Equal(run, first.Directory);
        Assert.Equal(Environment.ProcessId, first.Owner.ProcessId);
        Assert.Null(first.StaleOwner);

        var e = Assert.Throws<RunInUseException>(() => RunLock.Acquire(run));
        Assert.StartsWith(InUse(run, Environment.ProcessId), e.Message);
        Assert.EndsWith("Z; wait for it to finish, stop it, or train into another --out folder", e.Message);
        Assert.Equal(run, e.Directory);
        Assert.Equal(Environment.ProcessId, e.Owner!.ProcessId);
        Assert.True(RunLock.IsHeld(run, out var owner));
        Assert.Equal(first.Owner, owner);
    }

    [Fact]
    public void AReleasedFolderCanBeTakenAgainAndNamesNoOwner()
    {
        var run = Path.Combine(_dir, "run");
        RunLock.Acquire(run).Dispose();
        Assert.False(RunLock.IsHeld(run, out var owner));
        Assert.Null(owner);
        Assert.False(File.Exists(Path.Combine(run, RunLock.OwnerFileName)));
        using var again = RunLock.Acquire(run);
        Assert.Null(again.StaleOwner);
        Assert.True(RunLock.IsHeld(run, out _));
    }

    [Fact]
    public void ALockHeldByAnotherProcessIsRefused()
    {
        // flock(1) takes the same kind of lock as .NET's FileShare.None on Linux; --no-fork keeps it in the process killed below.
        var run = Path.Combine(_dir, "run");
        Directory.CreateDirectory(run);
        var start = new ProcessStartInfo("flock", ["--nonblock", "--no-fork", Path.Combine(run, RunLock.LockFileName), "sleep", "30"]) { UseShellExecute = false };
        using var holder = Process.Start(start)!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!RunLock.IsHeld(run, out _) && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.True(RunLock.IsHeld(run, out var unknown));
            Assert.Null(unknown);   // flock(1) writes no owner record
            var e = Assert.Throws<RunInUseException>(() => RunLock.Acquire(run));
            Assert.Equal($"{run}: the run folder is in use by another process; wait for it to finish, stop it, or train into another --out folder", e.Message);
        }
        finally
        {
            holder.Kill();
            holder.WaitForExit();
        }
        // Its lock went with it.
        using var mine = RunLock.Acquire(run);
        Assert.Equal(Environment.ProcessId, mine.Owner.ProcessId);
    }

    [Fact]
    public void AnOwnerRecordLeftByADeadProcessIsTakenOverAndReported()
    {
        var run = Path.Combine(_dir, "run");
        Directory.CreateDirectory(run);
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        var started = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.WriteAllText(Path.Combine(run, RunLock.OwnerFileName), $"pid={gone.Id}\nhost=elsewhere\nstarted=2026-01-02T03:04:05.0000000Z\n");
        File.WriteAllText(Path.Combine(run, RunLock.LockFileName), "");

        using var taken = RunLock.Acquire(run);
        Assert.Equal(new RunOwner(gone.Id, "elsewhere", started), taken.StaleOwner);
        Assert.Contains($"pid={Environment.ProcessId}\n", File.ReadAllText(Path.Combine(run, RunLock.OwnerFileName)));
    }
}
