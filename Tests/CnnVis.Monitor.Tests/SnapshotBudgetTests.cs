using CnnVis.Monitor;
using Xunit;

namespace CnnVis.Monitor.Tests;

public sealed class SnapshotBudgetTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void AnEarlySnapshotIsJudgedAgainstTheWholeRunNotTheSecondsSoFar()
    {
        // One epoch of 940 steps at 50 ms each (47 s of training), snapshots costing 600 ms: after the first step the
        // baseline snapshot and one more are 1.2 s of a 48.2 s run, 2.5%, though they are most of the 1.25 s elapsed.
        var share = SnapshotBudget.ShareWith(busy: Ms(600), wall: Ms(650), estimate: Ms(600), stepsTaken: 1, stepsPlanned: 940);
        Assert.Equal(1.2 / (47 + 1.2), share, 6);
        Assert.True(share < 0.05);
    }

    [Fact]
    public void SnapshotsThatWouldSpendMoreThanTheBudgetOfTheWholeRunAreStillRefused()
    {
        // Half-way through a 100-step run of 10 s of training, the monitor has already spent 1 s: one more 0.6 s
        // snapshot is 1.6 s of 11.6 s, 13.8%.
        var share = SnapshotBudget.ShareWith(busy: Ms(1000), wall: Ms(6000), estimate: Ms(600), stepsTaken: 50, stepsPlanned: 100);
        Assert.Equal(1.6 / 11.6, share, 6);
        Assert.True(share > 0.05);
    }

    [Fact]
    public void WithoutAPlanTheElapsedTimeIsTheMeasure()
    {
        var share = SnapshotBudget.ShareWith(busy: Ms(600), wall: Ms(650), estimate: Ms(600), stepsTaken: 1, stepsPlanned: 0);
        Assert.Equal(1.2 / 1.25, share, 6);
        // Past the planned steps (a loop that runs longer than it said) the run so far is the measure too.
        Assert.Equal(1.2 / 1.25, SnapshotBudget.ShareWith(Ms(600), Ms(650), Ms(600), stepsTaken: 20, stepsPlanned: 10), 6);
    }
}
