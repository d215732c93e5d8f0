using System.Text;

namespace CnnVis.Visualizers;

/// <summary>
/// A method as a user writes it, in the CLI, the monitor's options or the dashboard:
/// <c>name[@layer][(argument, key=value, ...)]</c>, e.g. <c>gradcam@features.3</c>,
/// <c>integrated-gradients(steps=64,baseline=black)</c> or <c>smoothgrad(gradcam,samples=32,noise=0.15)</c>.
/// An argument without '=' is positional (smoothgrad's method to smooth) and may itself be a spec with parentheses.
/// This type only reads the text; <see cref="ExplanationMethods"/> checks names, keys and values.
/// </summary>
public sealed class MethodSpec
{
    private MethodSpec(string text, string name, string? layer, IReadOnlyList<string> arguments, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        Text = text;
        Name = name;
        Layer = layer;
        Arguments = arguments;
        Settings = settings;
    }

    /// <summary>The spec as written (trimmed), for messages.</summary>
    public string Text { get; }

    /// <summary>The method's name, lower case.</summary>
    public string Name { get; }

    /// <summary>The layer after '@' (a dotted path, case kept), or null.</summary>
    public string? Layer { get; }

    /// <summary>Arguments without a key, in order, as written.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>key=value settings in order; keys lower case, values trimmed.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; }

    /// <summary>Reads one spec; throws <see cref="ArgumentException"/> naming the spec and what is malformed.</summary>
    public static MethodSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var spec = text.Trim();
        if (spec.Length == 0) throw new ArgumentException("a method is empty: give a name such as gradcam");
        var open = spec.IndexOf('(');
        var head = open < 0 ? spec : spec[..open].TrimEnd();
        var arguments = new List<string>();
        var settings = new List<KeyValuePair<string, string>>();
        if (open >= 0)
        {
            var close = MatchingParenthesis(spec, open);
            if (close < 0) throw new ArgumentException($"'{spec}': a '(' is not closed by ')'");
            if (close != spec.Length - 1) throw new ArgumentException($"'{spec}': unexpected text after ')': '{spec[(close + 1)..]}'");
            var inside = spec[(open + 1)..close];
            if (inside.Trim().Length == 0) throw new ArgumentException($"'{spec}': the parentheses are empty; leave them out or give settings inside");
            {
                foreach (var part in SplitTopLevel(inside))
                {
                    var item = part.Trim();
                    if (item.Length == 0) throw new ArgumentException($"'{spec}': an argument between commas is empty");
                    var equals = item.IndexOf('=');
                    var paren = item.IndexOf('(');
                    if (equals < 0 || (paren >= 0 && paren < equals))
                    {
                        arguments.Add(item);
                        continue;
                    }
                    var key = item[..equals].Trim().ToLowerInvariant();
                    var value = item[(equals + 1)..].Trim();
                    if (key.Length == 0) throw new ArgumentException($"'{spec}': '{item}' has no setting name before '='");
                    if (value.Length == 0) throw new ArgumentException($"'{spec}': the setting '{key}' has no value");
                    if (settings.Any(s => s.Key == key)) throw new ArgumentException($"'{spec}': the setting '{key}' is given twice");
                    settings.Add(new(key, value));
                }
            }
        }
        else if (spec.Contains(')')) throw new ArgumentException($"'{spec}': a ')' has no '('");

        string? layer = null;
        var at = head.IndexOf('@');
        if (at >= 0)
        {
            layer = head[(at + 1)..].Trim();
            head = head[..at].Trim();
            if (layer.Length == 0) throw new ArgumentException($"'{spec}' names no layer after '@'");
        }
        if (head.Length == 0) throw new ArgumentException($"'{spec}' names no method");
        return new MethodSpec(spec, head.ToLowerInvariant(), layer, arguments, settings);
    }

    /// <summary>
    /// Splits a comma-separated list of specs, as the CLI's <c>--method</c> takes them: commas inside parentheses
    /// belong to a spec's settings and do not split. Empty items are dropped; unbalanced parentheses are refused.
    /// </summary>
    public static IReadOnlyList<string> SplitList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var depth = 0;
        foreach (var c in text)
        {
            if (c == '(') depth++;
            else if (c == ')' && --depth < 0) throw new ArgumentException($"'{text}': a ')' has no '('");
        }
        if (depth != 0) throw new ArgumentException($"'{text}': a '(' is not closed by ')'");
        return SplitTopLevel(text).Select(s => s.Trim()).Where(s => s.Length > 0).ToList();
    }

    /// <summary>The spec written back in a canonical form: lower-case names and keys, no spaces.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Name);
        if (Layer is not null) text.Append('@').Append(Layer);
        var items = Arguments.Concat(Settings.Select(s => $"{s.Key}={s.Value}")).ToList();
        if (items.Count > 0) text.Append('(').AppendJoin(',', items).Append(')');
        return text.ToString();
    }

    private static int MatchingParenthesis(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')' && --depth == 0) return i;
        }
        return -1;
    }

    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }
        parts.Add(text[start..]);
        return parts;
    }
}
