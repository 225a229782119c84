using System.CommandLine;
using Fragility.Cli.Infrastructure;
using Fragility.Geometry;
using Spectre.Console;

namespace Fragility.Cli.Commands.Geometry;

/// <summary><c>fragility geometry digits: a synthetic digit data set for cross-data-set transfer.</c></summary>
internal static class GeometryDigits
{
    public static Command Build()
    {
        var train = new Option<int>("--train") { Description = "Training images.", DefaultValueFactory = _ => 12000 }.AtLeast(1);
        var test = new Option<int>("--test") { Description = "Test images.", DefaultValueFactory = _ => 2000 }.AtLeast(1);
        var seed = CommonOptions.Seed();
        var output = CommonOptions.Out("synthetic-digits");
        var cmd = new Command("digits", "Helper for cross-data-set transfer when MNIST is not installed: writes a synthetic 28x28 digit data set (digits 0-9 drawn with the installed fonts at random size, rotation, offset " +
            "and weight) in MNIST's IDX layout, so that 'fragility train --dataset mnist --data DIR' trains a digit model of Fashion-MNIST's input size.")
        { train, test, seed, output };
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            string dir = pr.GetValue(output)!;
            SyntheticDigits.Write(dir, pr.GetValue(train), pr.GetValue(test), pr.GetValue(seed));
            console.Markup($"Wrote [green]{Markup.Escape(Path.GetFullPath(dir))}[/]: {pr.GetValue(train)} training and {pr.GetValue(test)} test digits in MNIST's IDX layout. Train on it with 'fragility train --dataset mnist --data {Markup.Escape(dir)}'.");
            return 0;
        }));
        return cmd;
    }
}
