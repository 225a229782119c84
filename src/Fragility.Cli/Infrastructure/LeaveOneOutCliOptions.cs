using System.CommandLine;
using Fragility.Influence;

namespace Fragility.Cli.Infrastructure;

/// <summary>The leave-one-out check of <c>influence --validate-loo</c> (<see cref="LeaveOneOutStudy"/>): its options and its run.</summary>
internal sealed class LeaveOneOutCliOptions
{
    public Option<bool> Validate { get; } = new("--validate-loo")
    {
        Description = "Instead of explaining, check the approximation: for --loo-tests test points remove each of their --loo-points most helpful and most harmful " +
                      "training points, retrain the head to convergence, and compare the actual test-loss change with -(1/n) I. Writes loo.csv and prints Pearson's r per lambda.",
    };
    public Option<int> Tests { get; } = new Option<int>("--loo-tests") { Description = "Test points in the leave-one-out check.", DefaultValueFactory = _ => 5 }.AtLeast(1);
    public Option<int> Points { get; } = new Option<int>("--loo-points") { Description = "Training points removed per test point (half most helpful, half most harmful; an even number).", DefaultValueFactory = _ => 40 }.AtLeast(2);
    public Option<string?> Lambdas { get; } = new("--loo-l2") { Description = "Comma-separated lambdas for the leave-one-out check (without it: --l2), to see how weaker regularisation worsens the approximation." };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Validate, Tests, Points, Lambdas }) command.Options.Add(o);
    }

    /// <summary>Runs the check on <paramref name="points"/> and tells its table.</summary>
    public int Run(CliConsole console, ParseResult pr, InfluenceSetup setup, IReadOnlyList<InfluenceTestPoint> points, string outDir)
    {
        var lambdas = pr.GetValue(Lambdas) is string l ? Lists.Numbers(l, "--loo-l2") : null;
        var rows = ConsoleProgress.Run(console, "loo", p => LeaveOneOutStudy.Run(setup, points, pr.GetValue(Tests), pr.GetValue(Points), lambdas, outDir, p));
        InfluenceSummaryText.WriteLeaveOneOut(console, rows, Path.Combine(outDir, LeaveOneOutStudy.CsvFile));
        return 0;
    }
}
