package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// The acceptance paths that need only the CLI's word: what diagnose
// recommends, what detect says, that dry runs and refusals change nothing.

func TestDiagnoseRecommends(t *testing.T) {
	t.Parallel()
	cases := []struct {
		scenario string
		code     int
		finding  string
		plans    []string
		notPlan  string
	}{
		{"healthy", 0, "", []string{}, ""},
		{"kb943144", 1, "wups2-unregistered", []string{"wups2"}, "datastore"},
		{"kb943144-x86", 1, "wups2-unregistered", []string{"wups2"}, "datastore"},
		{"0x80070002", 1, "store-reset-errors", []string{"datastore"}, "wups2"},
		{"french", 1, "store-reset-errors", []string{"datastore"}, "wups2"},
		// Issue 15: the update service, the phase and the repair source decide.
		{"store-app-0x80070002", 0, "update-errors-filtered", []string{}, "datastore"},
		{"install-0x80070002", 1, "component-store-repair-errors", []string{"components"}, "datastore"},
		{"repair-source", 0, "repair-source-errors", []string{}, "components"},
		{"agent-access-denied", 0, "agent-broken", []string{}, "reset"},
		// Justified but gated until the reboot: not a repair that applies now.
		{"pending-reboot", 0, "reboot-pending", []string{"datastore"}, ""},
		{"components", 1, "component-store-repairable", []string{"components"}, "datastore"},
	}
	for _, tc := range cases {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, tc.scenario)
			r := m.run("diagnose", "--output", "json")
			if r.code != tc.code {
				t.Fatalf("diagnose: %v", r)
			}
			var rep struct {
				Schema   string
				Findings []struct{ ID, Plan string }
				Plans    []string
				Outcome  string
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("json: %v\n%s", err, r.stdout)
			}
			if rep.Schema != "wurepair.report/v1" {
				t.Fatalf("schema %q", rep.Schema)
			}
			if strings.Join(rep.Plans, ",") != strings.Join(tc.plans, ",") {
				t.Fatalf("plans %v, want %v", rep.Plans, tc.plans)
			}
			found := tc.finding == ""
			for _, f := range rep.Findings {
				if f.ID == tc.finding {
					found = true
				}
				if tc.notPlan != "" && f.Plan == tc.notPlan {
					t.Fatalf("finding %s recommends %s", f.ID, tc.notPlan)
				}
			}
			if !found {
				t.Fatalf("no finding %s in %+v", tc.finding, rep.Findings)
			}
			if m.stateBytes() != "" {
				t.Fatal("diagnose changed the simulated machine")
			}
		})
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	for scenario, code := range map[string]int{"healthy": 0, "kb943144": 1, "0x80070002": 1, "components": 1} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			r := newMachine(t, scenario).run("detect")
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if r.code != code || len(lines) != 1 {
				t.Fatalf("detect: %v", r)
			}
		})
	}
}

// --dry-run on every plan leaves the simulated machine byte-identical and
// sends no action at all.
func TestDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	for _, scenario := range []string{"kb943144", "0x80070002", "components", "healthy", "french"} {
		for _, plan := range []string{"auto", "wups2", "components", "datastore", "reset"} {
			t.Run(scenario+"/"+plan, func(t *testing.T) {
				t.Parallel()
				m := newMachine(t, scenario)
				seedState(t, m)
				before := m.stateBytes()
				r := m.run("repair", plan, "--dry-run")
				if r.code != 0 && r.code != 1 {
					t.Fatalf("dry run: %v", r)
				}
				if after := m.stateBytes(); after != before {
					t.Fatalf("dry run changed the machine")
				}
				if out := m.runs("runs", "list", "--output", "json"); strings.TrimSpace(out.stdout) != "[]" {
					t.Fatalf("dry run left a journal: %s", out.stdout)
				}
			})
		}
	}
}

func TestHealthyRepairChangesNothing(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "healthy")
	seedState(t, m)
	before := m.stateBytes()
	r := m.run("repair", "auto", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "nothing to repair") {
		t.Fatalf("healthy repair: %v", r)
	}
	if m.stateBytes() != before {
		t.Fatal("a healthy machine was changed")
	}
}

func TestJunctionIsRefused(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "junction")
	seedState(t, m)
	before := m.stateBytes()
	for _, plan := range []string{"datastore", "reset", "auto"} {
		r := m.run("repair", plan, "--yes")
		if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "junction") {
			t.Fatalf("repair %s with a junction: %v", plan, r)
		}
	}
	if m.stateBytes() != before {
		t.Fatal("a refused repair changed the machine")
	}
}

func TestGoldenDiagnoseAndDryRun(t *testing.T) {
	t.Parallel()
	for _, scenario := range []string{"kb943144", "0x80070002"} {
		for _, format := range []string{"text", "json"} {
			m := newMachine(t, scenario)
			checkGolden(t, "diagnose-"+scenario+"-"+format, m.run("diagnose", "--output", format).stdout)
			checkGolden(t, "dryrun-"+scenario+"-"+format, m.run("repair", "auto", "--dry-run", "--output", format).stdout)
		}
	}
}
