using System.CommandLine;
using Fragility.Audit;
using Fragility.Cli.Infrastructure;
using Fragility.Experiments.Sharding;
using Fragility.Runtime;

namespace Fragility.Cli.Commands;

/// <summary><c>fragility audit</c>: a robustness score card of a model's explanations on the user's images, in one
/// command sized to a time budget (the work is <see cref="RobustnessAudit"/>'s).</summary>
public sealed class AuditCommand : ICliCommand
{
    /// <summary>Exit code when the verdict trips <c>--fail-if</c> (1: a failed check, as test runners use).</summary>
    public const int GateFailed = 1;

    /// <inheritdoc />
    public int Order => 35;

    /// <inheritdoc />
    public Command Build()
    {
        var import = new ImportCliOptions();
        var audit = new AuditCliOptions();
        var run = new RunFolderCliOptions("audit", "an earlier audit", "the attack grid", "then 'fragility merge DIR --out DIR' and the same audit without --shard writes the score card.");
        var cmd = new Command("audit", "Can this model's explanations be trusted? Attacks every method's maps on your images within a time budget and writes a score card: " +
            "per method, how much of its top-k an imperceptible label-keeping change moves against random noise (95 % bootstrap intervals), a verdict, the sanity check and faithfulness, " +
            "the defences under adaptive attacks, and a recommendation. Writes DIR/scorecard.json, scorecard.md and report.html; resumes when run again.");
        audit.AddTo(cmd);
        import.AddTo(cmd);
        run.AddTo(cmd);
        cmd.SetAction(pr => CliRunner.Run(pr, console =>
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (part, jobCount) = run.Resolve(pr);
            string outDir = run.Folder(pr), dataset = audit.DatasetName(pr);
            var gate = audit.Gate(pr);
            var settings = audit.Bind(pr);
            var loaded = audit.Load(console, pr, import, outDir, out var imported);
            using var classifier = loaded.Model;
            using var images = CliData.Pool(console, classifier, dataset, pr.GetValue(audit.Data), AuditedModel.PoolSize(classifier), pr.GetValue(audit.Strict));
            var robustness = new RobustnessAudit(classifier, settings, loaded.Path, CliCommandLine.Of(pr));
            console.Say("Choosing images and timing a calibration step...");
            // The plan is made here once, before any worker starts; the workers read it back (audit.json).
            using var plan = ConsoleProgress.Run(console, "audit", p => robustness.Plan(images, outDir, part, run.Overwriting(pr), part is null ? jobCount : 1, p));
            AuditSummary.WritePlan(console, plan);
            return CliCancellation.Run(console, $"finished work is kept in {Path.GetFullPath(outDir)}", cancel =>
            {
                // A model imported above is given to workers as the file it became, so they do not import it again.
                var workerModel = imported is null ? [] : import.All.Append(audit.Model).ToArray();
                int code = WorkerPool.RunAuditGrid(console, pr, plan, outDir, part is null ? jobCount : null, run.NotForWorkers(workerModel),
                    imported is null ? [] : ["--model", loaded.Path], cancel);
                if (code != 0) return code;
                var card = ConsoleProgress.Run(console, "audit", p => robustness.Run(plan, p, cancel));
                if (card is null)
                {
                    console.Say($"Shard {part} done. When every shard is: fragility merge {outDir} --out {outDir}, then this command without --shard writes the score card.");
                    return 0;
                }
                AuditSummary.WriteCard(console, card, outDir);
                if (!plan.Reused) AuditSummary.WriteOverrun(console, clock.Elapsed, settings.Budget);
                bool tripped = VerdictThresholds.Trips(card, gate);
                if (tripped) console.Fail($"audit gate: {card.ShownMethod} is {VerdictThresholds.Words(card.Verdict)}, which --fail-if {pr.GetValue(audit.FailIf)} refuses.");
                return tripped ? GateFailed : 0;
            });
        }));
        return cmd;
    }
}
