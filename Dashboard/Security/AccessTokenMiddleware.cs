namespace CnnVis.Dashboard.Security;

/// <summary>
/// Answers 401 to every request (pages, data endpoints, static files and the Blazor circuit) without the access
/// token, when one is required. A visit with <c>?token=</c> sets a cookie, so the browser's later requests and its
/// circuit carry it.
/// </summary>
public sealed class AccessTokenMiddleware(RequestDelegate next, DashboardAccess access)
{
    public const string CookieName = "cnnvis-token";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!access.TokenRequired)
        {
            await next(context);
            return;
        }
        var fromQuery = context.Request.Query["token"].ToString();
        if (access.Accepts(fromQuery))
        {
            context.Response.Cookies.Append(CookieName, fromQuery, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, IsEssential = true });
            await next(context);
            return;
        }
        var bearer = context.Request.Headers.Authorization.ToString();
        if (access.Accepts(context.Request.Cookies[CookieName]) || (bearer.StartsWith("Bearer ", StringComparison.Ordinal) && access.Accepts(bearer["Bearer ".Length..])))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("401: this dashboard needs its access token: open it with ?token=<token> (the token was printed when it started).");
    }
}
