package app

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

// loopGuardFlags: when a plan counts as repeating (orchestrator/loopguard.go).
func loopGuardFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "escalate-after", Value: orchestrator.DefaultLoopCount,
			Usage: "loop guard: after `N` successful repairs of the same plan within --escalate-window, the same problem coming back is escalated, not repaired again (0: off)"},
		&cli.GenericFlag{Name: "escalate-window", Value: &durationValue{d: orchestrator.DefaultLoopWindow},
			Usage: "loop guard: how far back successful repairs count (`DURATION`: 7d, 36h)"},
	}
}

// loopGuard reads the flags (defaults for a command without them).
func loopGuard(c *cli.Context) (orchestrator.LoopGuard, error) {
	g := orchestrator.LoopGuard{Count: orchestrator.DefaultLoopCount, Window: orchestrator.DefaultLoopWindow}
	if c.IsSet("escalate-after") {
		g.Count = c.Int("escalate-after")
		if g.Count < 0 || g.Count > 100 {
			return g, usagef("--escalate-after %d: want 0 (off) to 100 repairs", g.Count)
		}
	}
	if v, ok := c.Generic("escalate-window").(*durationValue); ok && v != nil {
		g.Window = v.d
		if g.Window < time.Hour || g.Window > 365*24*time.Hour {
			return g, usagef("--escalate-window %s: want 1h to 365d", formatDuration(g.Window))
		}
	}
	return g, nil
}

// applyLoopGuard takes the plans that came back after repeated repairs
// out of the diagnosis, except for `repair --force`, which repairs anyway
// and says so (the override is journaled by the run).
func (d *deps) applyLoopGuard(c *cli.Context, w *workspace, f orchestrator.Facts, diag *orchestrator.Diagnosis) error {
	g, err := loopGuard(c)
	if err != nil {
		return err
	}
	if c.Bool("force") {
		for _, r := range orchestrator.RecurringPlans(f, *diag, g, time.Now()) {
			line := fmt.Sprintf("--force: repairing %s although it came back after %d successful repairs within %s (runs %s): the loop guard would escalate",
				r.Plan, len(r.Runs), formatDuration(g.Window), strings.Join(r.Runs, ", "))
			w.log.Warn(line)
			w.overrides = append(w.overrides, line)
		}
		return nil
	}
	if orchestrator.ApplyLoopGuard(diag, f, g, time.Now()) != nil {
		diag.SetOutcome(f)
	}
	return nil
}

// recurringLine is detect's line for plans the loop guard stopped.
func recurringLine(diag orchestrator.Diagnosis) string {
	var parts []string
	for _, r := range diag.Recurring {
		parts = append(parts, fmt.Sprintf("repair %s succeeded %d times (runs %s) and %s came back", r.Plan, len(r.Runs),
			strings.Join(r.Runs, ", "), strings.Join(r.Findings, ", ")))
	}
	return "recurring after repair: escalate: " + strings.Join(parts, "; ")
}
