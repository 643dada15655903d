package orchestrator

import (
	"fmt"
	"sort"
	"strings"
)

// What a diagnosis amounts to (Diagnosis.Outcome; issue 18). "Cannot tell"
// is never "healthy": Intune's detection treats every exit other than 1 as
// "no issue", so a machine whose probes fail (broken WMI, registry ACLs, a
// lockdown policy) must not look healthy.
const (
	DiagHealthy     = "healthy"      // nothing wurepair can repair applies, and every probe answered
	DiagNeedsRepair = "needs-repair" // a plan wurepair can run applies
	DiagUnknown     = "unknown"      // a probe the decision depends on failed: cannot tell
	DiagRecurring   = "recurring"    // the only plans that apply came back after repeated repairs: escalate
)

// decisionProbes are the probes whose failure makes the outcome unknown:
// each feeds a finding that justifies or refuses a plan (the pending
// reboot too: a reboot gate holds repairs back). Every probe is one today;
// an advisory-only probe added later stays out of this list.
var decisionProbes = []string{
	"Get-WurServiceState", "Get-WurWups2Registration", "Get-WurSoftwareDistribution",
	"Get-WurUpdateErrors", "Get-WurPendingReboot", "Test-WurUpdateAgent", "Get-WurComponentHealth",
	holdersProbe, // asked only when a plan that renames folders is justified (holders.go)
}

// SetOutcome sets Outcome and FailedProbes from the facts and findings.
// Diagnose calls it; ApplyLoopGuard's caller calls it again.
func (d *Diagnosis) SetOutcome(f Facts) {
	d.FailedProbes = nil
	for _, p := range decisionProbes {
		if _, failed := f.ProbeErrors[p]; failed {
			d.FailedProbes = append(d.FailedProbes, p)
		}
	}
	sort.Strings(d.FailedProbes)
	switch {
	case len(d.FailedProbes) > 0:
		d.Outcome = DiagUnknown
	case d.NeedsRepair():
		d.Outcome = DiagNeedsRepair
	case len(d.Recurring) > 0:
		d.Outcome = DiagRecurring
	default:
		d.Outcome = DiagHealthy
	}
}

// UnknownLine says which probes failed, for detect's one line.
func (d Diagnosis) UnknownLine(f Facts) string {
	parts := make([]string, 0, len(d.FailedProbes))
	for _, p := range d.FailedProbes {
		parts = append(parts, fmt.Sprintf("%s (%s)", p, firstLine(f.ProbeErrors[p], 160)))
	}
	return "cannot tell: probes failed: " + strings.Join(parts, "; ")
}

func firstLine(s string, max int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
