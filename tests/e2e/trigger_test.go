package e2e

import (
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 20 item 14: a trigger wurepair does not stop (WaaSMedicSvc, a
// scheduled scan) starts wuauserv again between the plan's stop and its
// rename. The plan stops it again once, before renaming (no rename fails
// first); if it comes back once more, the plan refuses before renaming
// anything, and the machine is as it was.
func TestTriggerRestartsWuauservBeforeRename(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		restarts int
	}{
		{"comes back once: stopped again", 1},
		{"comes back twice: refused", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "trigger-scan")
			m.alter(func(sc *fakehost.Scenario) { sc.Machine.Services["wuauserv"].TriggerRestarts = tc.restarts })
			before := m.now()
			r := m.run("repair", "datastore", "--yes")
			run := m.onlyRun()
			show := m.runs("runs", "show", run.ID)
			if strings.Count(show.stdout, "a trigger restarted it; stopping it again") != 1 {
				t.Fatalf("the journal does not say once that wuauserv was stopped again before the rename:\n%v", show)
			}
			// The guard acts before the rename: no rename failed and was retried.
			if strings.Contains(show.stdout, "the update service came back") {
				t.Fatalf("the rename ran into a running wuauserv: the guard did not stop it first:\n%v", show)
			}
			after := m.now()
			if tc.restarts == 1 {
				if r.code != 0 || run.Outcome != "success" {
					t.Fatalf("repair datastore: %v\n%+v", r, run)
				}
				if len(filesUnder(after, dataStore+".wurepair-"+run.ID)) == 0 {
					t.Fatal("DataStore was not backed up")
				}
				if s := service(t, after, "wuauserv"); s.Status != "Running" {
					t.Fatalf("wuauserv after the repair: %+v", s)
				}
				m.verified(run.ID)
				return
			}
			if r.code != 1 || !strings.Contains(r.stderr+r.stdout, "wuauserv came back after being stopped twice") ||
				!strings.Contains(r.stderr+r.stdout, "nothing was renamed") {
				t.Fatalf("want exit 1 naming the trigger: %v", r)
			}
			if strings.Contains(show.stdout, "Backup-WurFolder") {
				t.Fatalf("a rename was journaled although the plan refused before renaming:\n%v", show)
			}
			for _, dir := range []string{dataStore, download} {
				if len(filesUnder(after, dir+".wurepair-"+run.ID)) != 0 {
					t.Fatalf("%s was renamed", dir)
				}
				if strings.Join(keys(filesUnder(after, dir)), "|") != strings.Join(keys(filesUnder(before, dir)), "|") {
					t.Fatalf("%s changed", dir)
				}
			}
			for _, name := range []string{"wuauserv", "BITS", "UsoSvc"} {
				if b, a := service(t, before, name), service(t, after, name); a.Status != b.Status || a.StartType != b.StartType {
					t.Fatalf("%s after: %+v, before: %+v", name, a, b)
				}
			}
		})
	}
}
