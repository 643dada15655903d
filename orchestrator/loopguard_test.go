package orchestrator

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestLoopGuard(t *testing.T) {
	now := time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	// The datastore plan is justified again by errors logged after the last repair.
	facts := withEventsAt(healthyFacts(), "2024-06-10T03:00:00Z", "0x80070002")
	rep := func(run string, ago time.Duration, findings ...string) PastRepair {
		return PastRepair{Plan: "datastore", Run: run, Ended: now.Add(-ago), Findings: findings}
	}
	g := LoopGuard{Count: 2, Window: 7 * day}
	for _, tc := range []struct {
		name    string
		repairs []PastRepair
		guard   LoopGuard
		stopped bool
	}{
		{"no past repair", nil, g, false},
		{"one repair", []PastRepair{rep("a", day)}, g, false},
		{"two repairs in the window", []PastRepair{rep("a", 3*day), rep("b", day)}, g, true},
		{"two repairs, one outside the window", []PastRepair{rep("a", 8*day), rep("b", day)}, g, false},
		{"two repairs of something else", []PastRepair{rep("a", 3*day, "wups2-unregistered"), rep("b", day, "wups2-unregistered")}, g, false},
		{"same findings recorded", []PastRepair{rep("a", 3*day, "store-reset-errors"), rep("b", day, "store-reset-errors")}, g, true},
		{"another plan's repairs", []PastRepair{{Plan: "wups2", Run: "a", Ended: now.Add(-day)}, {Plan: "wups2", Run: "b", Ended: now.Add(-day)}}, g, false},
		{"count 3", []PastRepair{rep("a", 3*day), rep("b", day)}, LoopGuard{Count: 3, Window: 7 * day}, false},
		{"guard off", []PastRepair{rep("a", 3*day), rep("b", day)}, LoopGuard{Count: 0, Window: 7 * day}, false},
		{"window 30d", []PastRepair{rep("a", 20*day), rep("b", day)}, LoopGuard{Count: 2, Window: 30 * day}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := facts
			f.Repairs = tc.repairs
			d := Diagnose(f)
			if !slices.Contains(d.Runnable(), "datastore") {
				t.Fatalf("setup: datastore not justified: %+v", d)
			}
			got := ApplyLoopGuard(&d, f, tc.guard, now)
			d.SetOutcome(f)
			if (got != nil) != tc.stopped {
				t.Fatalf("stopped %v, want %v: %+v", got, tc.stopped, d)
			}
			if !tc.stopped {
				return
			}
			if slices.Contains(d.Runnable(), "datastore") || d.NeedsRepair() || d.Outcome != DiagRecurring {
				t.Errorf("datastore still applies: %+v", d)
			}
			if d.Findings[0].ID != FindingRecurring || len(d.Recurring) != 1 || len(d.Recurring[0].Runs) != 2 {
				t.Errorf("finding: %+v", d.Findings)
			}
			for _, fd := range d.Findings {
				if fd.Plan == "datastore" {
					t.Errorf("a finding still names the plan: %+v", fd)
				}
			}
		})
	}
}

func TestOutcomeUnknown(t *testing.T) {
	f := healthyFacts()
	if d := Diagnose(f); d.Outcome != DiagHealthy || d.FailedProbes != nil {
		t.Fatalf("healthy: %+v", d)
	}
	f.ProbeErrors = map[string]string{"Get-WurUpdateErrors": "access denied\nat line 3"}
	d := Diagnose(f)
	if d.Outcome != DiagUnknown || !slices.Equal(d.FailedProbes, []string{"Get-WurUpdateErrors"}) {
		t.Fatalf("unknown: %+v", d)
	}
	if got, want := d.UnknownLine(f), "cannot tell: probes failed: Get-WurUpdateErrors (access denied)"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	// Unknown even when a repair applies: the decision is not whole.
	f = withEvents(f, "0x80070002")
	if d := Diagnose(f); d.Outcome != DiagUnknown {
		t.Errorf("%+v", d)
	}
}

func TestFindingsRecordBounded(t *testing.T) {
	big := make([]string, 50)
	for i := range big {
		big[i] = string(make([]byte, 1000))
	}
	var fs []Finding
	for i := 0; i < 100; i++ {
		fs = append(fs, Finding{ID: "x", Title: "é" + string(make([]byte, 999)), Evidence: big, Plan: "datastore"})
	}
	r := FindingsRecord(fs)
	if r.Type != RecFindings || len(r.Findings) != maxRecordedFindings || len(r.Findings[0].Evidence) != maxRecordedEvidence {
		t.Fatalf("%d findings", len(r.Findings))
	}
	if raw, err := json.Marshal(r); err != nil || len(raw) > MaxRecordBytes*3/4 {
		t.Fatalf("record of %d bytes (%v): must fit a journal record", len(raw), err)
	}
	s := Summarize("20240601T120000Z-abcdef", []Record{{Type: RecRunStart, Run: &RunInfo{Command: "repair"}}, r}, nil)
	if len(s.Findings) != maxRecordedFindings || s.Findings[0] != "x" {
		t.Errorf("summary findings: %v", s.Findings)
	}
}
