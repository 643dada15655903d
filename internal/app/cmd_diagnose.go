package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
	"github.com/wurepair/wurepair/ps"
)

func (d *deps) cmdDiagnose() *cli.Command {
	return &cli.Command{
		Name:  "diagnose",
		Usage: "find what is wrong with Windows Update and which repair applies (changes nothing)",
		Description: "Runs read-only probes (services, wups2 registration, SoftwareDistribution, the update log's\n" +
			"HRESULTs, pending reboot, the update agent's COM API, component store health) and reports\n" +
			"findings with their evidence and the plan that fixes each. Exit 0: healthy (or the problem came back\n" +
			"after repeated repairs: escalate); 1: a repair applies; 10: cannot tell, a probe failed (outcome unknown).",
		Flags: append(append(append([]cli.Flag{outputFlag(), stateDirFlag()}, loopGuardFlags()...), sessionFlags()...), logFlags()...),
		Action: func(c *cli.Context) error {
			w, err := d.open(c)
			if err != nil {
				return err
			}
			defer w.Close()
			facts, diag, err := d.probe(c, w)
			if err != nil {
				return err
			}
			rep := newReport("diagnose", w.facts, diag)
			rep.Outcome, rep.ExitCode = "healthy", ExitOK
			switch {
			case len(needsAttention(diag)) > 0:
				rep.Outcome, rep.ExitCode = "needs-attention", ExitFailure
			case diag.Outcome == orchestrator.DiagUnknown: // issue 18: cannot tell is never healthy
				rep.Outcome, rep.ExitCode, rep.Message = orchestrator.DiagUnknown, ExitUnknown, diag.UnknownLine(facts)
			case diag.NeedsRepair():
				rep.Outcome, rep.ExitCode = "needs-repair", ExitFailure
			case len(diag.Recurring) > 0:
				rep.Outcome, rep.Message = orchestrator.DiagRecurring, recurringLine(diag)
			case len(diag.Refused) > 0:
				// As detect says it: a repair applies but is refused on the
				// facts (a link, files in use); exit 0, the findings say why.
				rep.Outcome = "refused"
			}
			logFindings(w.log, diag)
			if w.format == "json" {
				if rep.Facts, err = camelJSON(facts); err != nil {
					return err
				}
				if err := writeJSON(d.env.Stdout, rep); err != nil {
					return err
				}
			} else {
				writeDiagnosis(d.env.Stdout, w.facts, diag)
			}
			if rep.ExitCode != ExitOK {
				return exitWith(rep.ExitCode, nil)
			}
			return nil
		},
	}
}

func writeDiagnosis(out io.Writer, host ps.HostFacts, diag orchestrator.Diagnosis) {
	fmt.Fprintln(out, "host: "+printable(hostLine(host)))
	if len(diag.Findings) == 0 {
		fmt.Fprintln(out, "no problems found: Windows Update looks healthy")
		return
	}
	fmt.Fprintf(out, "%d finding(s):\n", len(diag.Findings))
	for _, f := range diag.Findings {
		fmt.Fprintf(out, "\n[%s] %s (%s)\n", f.Severity, printable(f.Title), f.ID)
		fmt.Fprint(out, indent(printableAll(f.Evidence), "    evidence: "))
		if f.Plan != "" {
			fmt.Fprintf(out, "    fix: wurepair repair %s\n", f.Plan)
		}
		if f.Advice != "" {
			fmt.Fprintf(out, "    advice: %s\n", printable(f.Advice))
		}
	}
	fmt.Fprintln(out)
	for _, f := range needsAttention(diag) {
		fmt.Fprintf(out, "first: %s\n", printable(f.Advice))
	}
	if diag.Outcome == orchestrator.DiagUnknown {
		fmt.Fprintf(out, "cannot tell: probes failed: %s; the diagnosis is incomplete (exit 10)\n", strings.Join(diag.FailedProbes, ", "))
	}
	if len(diag.Recurring) > 0 {
		fmt.Fprintln(out, recurringLine(diag))
	}
	for _, r := range diag.Refused {
		fmt.Fprintf(out, "by hand: repair %s is refused here; %s\n", r.Plan, printable(r.Advice))
	}
	if diag.NeedsRepair() {
		fmt.Fprintf(out, "recommended: wurepair repair auto (runs: %s); preview it with --dry-run\n", strings.Join(diag.Runnable(), ", "))
	} else {
		fmt.Fprintln(out, "no repair of wurepair's applies: follow the advice above")
	}
}
