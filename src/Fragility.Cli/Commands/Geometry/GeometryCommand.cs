using System.CommandLine;
using Fragility.Cli.Infrastructure;

namespace Fragility.Cli.Commands;

/// <summary>
/// <c>fragility geometry toy | dimension | angles | spectrum | lipschitz | transfer</c>: the experiments of docs/method.md §6
/// that explain fragility by the network's geometry. Each subcommand writes a folder of CSV files, PNG figures and a
/// section.json that the HTML report shows as a section (give the folder to the report).
/// </summary>
public sealed class GeometryCommand : ICliCommand
{
    /// <inheritdoc />
    public int Order => 50;

    /// <inheritdoc />
    public Command Build()
    {
        var cmd = new Command("geometry",
            "Why explanations are fragile: the geometry of the network (docs/method.md §6). Subcommands: toy (dimension scaling of g(w.x)), dimension (trained models at several input sizes), " +
            "angles (prediction vs explanation directions), spectrum (input-Hessian eigenvalues vs attack success), lipschitz (Lipschitz constants vs fragility across models), " +
            "transfer (perturbations from one model's explanation applied to others); digits writes a synthetic digit data set for cross-data-set transfer. Each experiment writes CSV, PNG and section.json into --out, a folder the HTML report shows as a section.");
        cmd.Subcommands.Add(Geometry.GeometryToy.Build());
        cmd.Subcommands.Add(Geometry.GeometryDimension.Build());
        cmd.Subcommands.Add(Geometry.GeometryAngles.Build());
        cmd.Subcommands.Add(Geometry.GeometrySpectrum.Build());
        cmd.Subcommands.Add(Geometry.GeometryLipschitz.Build());
        cmd.Subcommands.Add(Geometry.GeometryTransfer.Build());
        cmd.Subcommands.Add(Geometry.GeometryDigits.Build());
        return cmd;
    }
}
