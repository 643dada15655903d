package app

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

// refusal is a repair refused before anything changed.
type refusal struct {
	outcome, msg string
	code         int
}

// preflight refuses a repair that must not run, before any plan is built
// (issue 18): not elevated (exit 9); a probe the decision depends on
// failed (exit 10: cannot tell is never "nothing to do"); or every plan it
// would run came back after repeated repairs (exit 8: escalate). --force
// overrides the last two (the loop guard is then not applied at all, see
// applyLoopGuard), never the first.
func preflight(c *cli.Context, facts orchestrator.Facts, diag orchestrator.Diagnosis, requested string) *refusal {
	if !facts.Host.IsAdmin {
		return &refusal{"not-elevated", "refused, nothing changed: wurepair is not running elevated; run it from an elevated prompt or as SYSTEM (Intune, ConfigMgr)", ExitNotElevated}
	}
	force := c.Bool("force")
	if diag.Outcome == orchestrator.DiagUnknown && !force {
		return &refusal{orchestrator.DiagUnknown, "refused, nothing changed: " + diag.UnknownLine(facts) +
			"; the log has each script's error. Fix the probe (WMI, registry permissions, policy) or pass --force with an explicit plan", ExitUnknown}
	}
	var stopped []string
	for _, r := range diag.Recurring {
		if requested == r.Plan || requested == "auto" && len(diag.Runnable()) == 0 {
			stopped = append(stopped, r.Plan)
		}
	}
	if len(stopped) > 0 {
		return &refusal{orchestrator.DiagRecurring, fmt.Sprintf("refused, nothing changed: %s; escalate (the finding %s has the runs), or pass --force to repair %s once more",
			recurringLine(diag), orchestrator.FindingRecurring, strings.Join(stopped, ", ")), ExitRecurring}
	}
	return nil
}
