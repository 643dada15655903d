package orchestrator

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The loop guard (issue 18). Intune Remediations run detect every day and
// the remediation whenever detect exits 1: a problem a repair fixes only
// for a day (a disk that corrupts the update store again, an agent that
// breaks it again) would be "fixed" every day forever, with a new pair of
// backup folders each time, and the console would show "Fixed". When the
// same plan has already succeeded Count times within Window and the same
// findings justify it again, wurepair stops repeating it and asks for a
// person: detect reports "recurring after repair: escalate" (exit 0, so
// the remediation does not run again) and repair refuses it without
// --force (exit 8).

// FindingRecurring is the finding the loop guard adds.
const FindingRecurring = "recurring-after-repair"

// Loop guard defaults: 2 successful repairs of the same plan in 7 days.
const (
	DefaultLoopCount  = 2
	DefaultLoopWindow = 7 * 24 * time.Hour
)

// LoopGuard says when a plan counts as repeating.
type LoopGuard struct {
	Count  int           // successful repairs of the same plan (>= 1)
	Window time.Duration // within this long before now
}

// Recurrence is a plan the loop guard stops.
type Recurrence struct {
	Plan     string   `json:"plan"`
	Runs     []string `json:"runs"`     // the successful runs of that plan within the window, oldest first
	Findings []string `json:"findings"` // the findings that justify it again
}

// RecurringPlans returns the justified plans that already succeeded
// g.Count times within g.Window before now for the same findings. A past
// run counts when its journal recorded the findings that led to it and
// one of them justifies the plan again, or (older journals, without that
// record) when it ran the plan at all.
func RecurringPlans(f Facts, d Diagnosis, g LoopGuard, now time.Time) []Recurrence {
	if g.Count < 1 {
		return nil
	}
	var out []Recurrence
	for _, p := range d.Runnable() {
		var cur []string
		for _, fd := range d.Findings {
			if fd.Plan == p && !slices.Contains(cur, fd.ID) {
				cur = append(cur, fd.ID)
			}
		}
		var runs []string
		for _, r := range f.Repairs {
			if r.Plan != p || r.Ended.After(now) || now.Sub(r.Ended) > g.Window {
				continue
			}
			if len(r.Findings) > 0 && !slices.ContainsFunc(r.Findings, func(id string) bool { return slices.Contains(cur, id) }) {
				continue // it fixed something else
			}
			if !slices.Contains(runs, r.Run) {
				runs = append(runs, r.Run)
			}
		}
		if len(runs) >= g.Count {
			out = append(out, Recurrence{Plan: p, Runs: runs, Findings: cur})
		}
	}
	return out
}

// ApplyLoopGuard takes the recurring plans out of the diagnosis: they no
// longer count as a repair that applies, their findings say to escalate,
// and one finding (FindingRecurring) gives the runs as evidence. It
// returns what it took out.
func ApplyLoopGuard(d *Diagnosis, f Facts, g LoopGuard, now time.Time) []Recurrence {
	rec := RecurringPlans(f, *d, g, now)
	if len(rec) == 0 {
		return nil
	}
	var ev []string
	for _, r := range rec {
		d.Plans = slices.DeleteFunc(d.Plans, func(p string) bool { return p == r.Plan })
		for i := range d.Findings {
			if d.Findings[i].Plan == r.Plan {
				d.Findings[i].Plan = ""
				d.Findings[i].Advice = fmt.Sprintf("came back after %d successful `repair %s` runs: escalate (see %s)", len(r.Runs), r.Plan, FindingRecurring)
			}
		}
		ev = append(ev, fmt.Sprintf("repair %s succeeded %d time(s) within %s (runs %s) and %s came back",
			r.Plan, len(r.Runs), FormatDays(g.Window), strings.Join(r.Runs, ", "), strings.Join(r.Findings, ", ")))
	}
	d.Findings = append([]Finding{{ID: FindingRecurring, Severity: SevError,
		Title:    "recurring after repair: the same problem came back after repeated repairs",
		Evidence: ev,
		Advice: "escalate: another repair would only hide the cause (failing disk, storage filter, security software, a policy); " +
			"look at the runs' journals (`wurepair runs show ID`) and the update log. `wurepair repair --force` repairs once more anyway"}},
		d.Findings...)
	d.Recurring = rec
	return rec
}

// FormatDays prints a duration in whole days when it is one ("7d"),
// else as Go does.
func FormatDays(w time.Duration) string {
	if w > 0 && w%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", w/(24*time.Hour))
	}
	return w.String()
}
