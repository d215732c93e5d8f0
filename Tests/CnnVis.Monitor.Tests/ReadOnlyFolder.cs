using System.Diagnostics;

namespace CnnVis.Monitor.Tests;

/// <summary>
/// Makes a folder read-only for the test's length. Permissions do not stop root (the test machines run as root),
/// so there the folder is bind-mounted read-only over itself, which stops everyone; disposing undoes either.
/// </summary>
internal sealed class ReadOnlyFolder : IDisposable
{
    private readonly string _folder;
    private readonly bool _mounted;

    private ReadOnlyFolder(string folder, bool mounted)
    {
        _folder = folder;
        _mounted = mounted;
    }

    public static ReadOnlyFolder Make(string folder)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("read-only folders are made with Unix permissions or a bind mount");
        if (Environment.UserName != "root")
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            return new ReadOnlyFolder(folder, mounted: false);
        }
        Run("mount", "--bind", folder, folder);
        Run("mount", "-o", "remount,bind,ro", folder, folder);
        return new ReadOnlyFolder(folder, mounted: true);
    }

    public void Dispose()
    {
        if (_mounted) Run("umount", _folder);
        else if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {error}");
    }
}
