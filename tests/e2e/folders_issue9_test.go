package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 9, what the admin sees: exit codes and messages of detect,
// diagnose and repair when a plan is refused on the facts (items 18, 20)
// and when the update history cannot be saved (item 15).

// mutateScenario rewrites this machine's scenario before its first run.
func (m *machine) mutateScenario(f func(*fakehost.Scenario)) {
	m.t.Helper()
	sc, err := fakehost.LoadScenario(m.scenario)
	if err != nil {
		m.t.Fatal(err)
	}
	f(sc)
	raw, err := json.Marshal(sc)
	if err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(m.scenario, raw, 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// A link in DataStore: repair refuses the datastore plan, so detect must
// not ask for it (exit 0, saying why: an Intune remediation would loop on
// exit 1), diagnose says what to do by hand, and the link is named once.
func TestRefusedPlanDetectDiagnoseAgree(t *testing.T) {
	t.Parallel()
	const link = dataStore + `\Config`
	const denied = download + `\Denied`
	for _, tc := range []struct {
		name, scenario string
		mutate         func(*fakehost.Scenario)
		path, why      string
	}{
		{"junction", "junction", func(*fakehost.Scenario) {}, link, "junctions or links"},
		{"unreadable folder", "0x80070002", func(sc *fakehost.Scenario) {
			sc.Machine.Files[denied] = &fakehost.FileEntry{Kind: "dir", Denied: true}
			sc.Machine.Files[denied+`\Link`] = &fakehost.FileEntry{Kind: "junction", Target: `C:\Windows\System32\config`}
		}, denied, "could not inspect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, tc.scenario)
			m.mutateScenario(tc.mutate)
			seedState(t, m)
			before := m.stateBytes()

			r := m.run("detect")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "no automatic repair applies: repair datastore is refused; ") || !strings.Contains(r.stdout, tc.why) {
				t.Fatalf("detect: %v", r)
			}
			r = m.run("diagnose")
			if r.code != 0 || !strings.Contains(r.stdout, "by hand: repair datastore is refused here; ") ||
				strings.Contains(r.stdout, "fix: wurepair repair datastore") || strings.Contains(r.stdout, "recommended:") {
				t.Fatalf("diagnose: %v", r)
			}
			if n := strings.Count(r.stdout, tc.path); n != 1 {
				t.Errorf("diagnose names %s %d times, want once:\n%s", tc.path, n, r.stdout)
			}
			for _, plan := range []string{"auto", "datastore"} {
				r = m.run("repair", plan, "--yes")
				if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "refused, nothing changed") || !strings.Contains(r.stdout+r.stderr, tc.why) {
					t.Fatalf("repair %s: %v", plan, r)
				}
			}
			if m.stateBytes() != before {
				t.Fatal("a refused repair changed the machine")
			}
		})
	}
}

// The history cannot be read (here: a damaged DataStore fails
// QueryHistory): the reset still runs, and the journal says what was not
// saved and why.
func TestDatastoreRepairWithoutHistory(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	m.mutateScenario(func(sc *fakehost.Scenario) {
		sc.Machine.Faults.AgentFails = map[string]fakehost.HResult{"QueryHistory": 0x80248007}
	})
	r := m.run("repair", "datastore", "--yes")
	if r.code != 0 {
		t.Fatalf("repair datastore: %v", r)
	}
	run := m.onlyRun()
	show := m.runs("runs", "show", run.ID)
	if !strings.Contains(show.stdout, "update history not saved: QueryHistory failed with 0x80248007") {
		t.Fatalf("runs show: %v", show)
	}
	if _, err := os.Stat(m.stateDir + "/runs/" + run.ID + "/history.json"); err == nil {
		t.Error("history.json written although nothing was read")
	}
}
