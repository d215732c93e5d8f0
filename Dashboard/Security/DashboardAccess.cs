using System.Security.Cryptography;

namespace CnnVis.Dashboard.Security;

/// <summary>
/// Who may open the dashboard: anyone on loopback, or, when it listens beyond this machine (or a token was given),
/// only a client that shows the access token.
/// </summary>
public sealed class DashboardAccess
{
    private DashboardAccess(string? token) => Token = token;

    /// <summary>The token a client must show; null when none is needed.</summary>
    public string? Token { get; }

    public bool TokenRequired => Token is not null;

    /// <summary>
    /// Decides for the addresses the host binds to: a given token is always required; a non-loopback address
    /// without one gets a fresh random token (the caller prints it).
    /// </summary>
    public static DashboardAccess For(IEnumerable<string> urls, string? token)
    {
        if (!string.IsNullOrEmpty(token)) return new DashboardAccess(token);
        return urls.All(IsLoopback) ? new DashboardAccess(null) : new DashboardAccess(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
    }

    /// <summary>True for an address only this machine can reach (127.0.0.0/8, ::1, localhost); wildcards are not.</summary>
    public static bool IsLoopback(string url)
    {
        // Kestrel's wildcards ("http://*:5000", "http://+:5000") are not valid URIs: they listen everywhere.
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)) return false;
        if (uri.IsLoopback) return true;
        return System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip);
    }

    /// <summary>Compares in constant time, so the token cannot be guessed byte by byte from response times.</summary>
    public bool Accepts(string? presented)
    {
        if (Token is null) return true;
        if (string.IsNullOrEmpty(presented)) return false;
        return CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(Token));
    }
}
