namespace CnnVis.Bench;

/// <summary>
/// Taking turns: one C# repetition and one PyTorch repetition, the order flipped every time, so that both sides
/// sample the same background load and neither always runs first. The side that waits is idle.
/// </summary>
internal static class Turns
{
    /// <summary>Runs <paramref name="a"/> then <paramref name="b"/> on even turns, the other way round on odd ones.</summary>
    public static void Pair(int turn, Action a, Action b)
    {
        if (turn % 2 == 0)
        {
            a();
            b();
        }
        else
        {
            b();
            a();
        }
    }

    /// <summary>Runs every side once, starting with side <c>turn mod n</c>, so each side takes each place in turn.</summary>
    public static void Round(int turn, params Action[] sides)
    {
        for (var k = 0; k < sides.Length; k++) sides[(turn + k) % sides.Length]();
    }

    /// <summary>The median over turns of a[k] / b[k]: each repetition against the one run beside it.</summary>
    public static double MedianRatio(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} repetitions on one side, {b.Count} on the other");
        return Measure.Median(a.Zip(b, (x, y) => x / y));
    }
}
