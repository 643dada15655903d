package app

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

func (d *deps) cmdDetect() *cli.Command {
	return &cli.Command{
		Name:  "detect",
		Usage: "Intune/ConfigMgr detection: one line on stdout; exit 0 healthy, 1 a repair applies or wurepair cannot tell",
		Description: "Exit 1 when a plan wurepair can run applies, when an earlier wurepair run did not finish (the\n" +
			"line names the exact rollback command; `repair --recover` rolls it back), or when a probe the\n" +
			"decision depends on failed (\"cannot tell: probes failed: ...\"; `repair` then exits 10): Intune\n" +
			"treats every exit other than 1 as \"no issue\", and cannot tell is never healthy.\n" +
			"Exit 0 when healthy, when the only repair that applies would be refused (a link in\n" +
			"SoftwareDistribution: the line says why), or when the same problem came back after repeated\n" +
			"successful repairs (\"recurring after repair: escalate\"; see --escalate-after): a remediation\n" +
			"never loops. Exit 4 when PowerShell is unusable. --output json: the wurepair.report/v1 document.",
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
			outcome, line, code := detectVerdict(facts, diag)
			logFindings(w.log, diag)
			w.log.WithField("outcome", outcome).Infof("detect: %s (exit %d)", line, code)
			if w.format == "json" {
				rep := newReport("detect", w.facts, diag)
				rep.Outcome, rep.Message, rep.ExitCode = outcome, line, code
				if err := writeJSON(d.env.Stdout, rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(d.env.Stdout, line)
			}
			if code != ExitOK {
				return exitWith(code, nil)
			}
			return nil
		},
	}
}

// detectVerdict is detect's outcome, its one line and its exit code.
func detectVerdict(facts orchestrator.Facts, diag orchestrator.Diagnosis) (outcome, line string, code int) {
	// An unfinished run needs an admin (or a remediation with --recover):
	// the machine may be half-changed whatever the probes say.
	if att := needsAttention(diag); len(att) > 0 {
		return "needs-attention", "needs attention: " + strings.TrimPrefix(att[0].Title, "wurepair ") + "; " + att[0].Advice, ExitFailure
	}
	switch {
	case diag.Outcome == orchestrator.DiagUnknown:
		// Cannot tell is never healthy: exit 1, so the remediation runs
		// and fails visibly with exit 10.
		return orchestrator.DiagUnknown, diag.UnknownLine(facts) + "; see the log", ExitFailure
	case diag.NeedsRepair():
		var ids []string
		for _, f := range diag.Findings {
			if f.Plan != "" {
				ids = append(ids, f.ID)
			}
		}
		return orchestrator.DiagNeedsRepair, fmt.Sprintf("needs repair: %s (plans: %s)", strings.Join(ids, ", "), strings.Join(diag.Runnable(), ", ")), ExitFailure
	case len(diag.Recurring) > 0:
		return orchestrator.DiagRecurring, recurringLine(diag), ExitOK
	case len(diag.Refused) > 0:
		// A repair that would be refused (a link in SoftwareDistribution)
		// is not one that applies: exit 0, so a remediation never loops,
		// and say why nothing runs.
		r := diag.Refused[0]
		return "refused", fmt.Sprintf("no automatic repair applies: repair %s is refused; %s", r.Plan, r.Advice), ExitOK
	}
	return orchestrator.DiagHealthy, fmt.Sprintf("healthy: %d advisory finding(s)", len(diag.Findings)), ExitOK
}
