package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 20 item 4, the finding: before recommending a plan that renames
// folders, diagnosis asks the Restart Manager (bounded) who holds files
// there. A holder the plan's own stops do not release (here a process of
// the update stack holding DataStore.edb) makes the plan one that cannot
// work now: diagnose names it (process name and id, never the localized
// description), detect exits 0 saying why (a remediation does not run, so
// a fleet does not loop on it), repair refuses it (exit 1, nothing
// changed). Once the process is gone, the same machine is repaired.
func TestDiagnoseNamesWhoHoldsTheStore(t *testing.T) {
	t.Parallel()
	const edb = dataStore + `\DataStore.edb`
	const who = "MoUsoCoreWorker.exe (process id 7788)"
	m := newMachine(t, "0x80070002")
	m.mutateScenario(func(sc *fakehost.Scenario) {
		sc.Machine.Processes = map[string]*fakehost.Process{"MoUsoCoreWorker.exe": {ProcessID: 7788, Description: "MoUSO Core Worker Process", Holds: []string{edb}}}
	})
	before := m.now()

	r := m.run("diagnose")
	if r.code != 0 || !strings.Contains(r.stdout, "(files-in-use)") || !strings.Contains(r.stdout, dataStore+" (") ||
		!strings.Contains(r.stdout, "in use by "+who) || !strings.Contains(r.stdout, "by hand: repair datastore is refused here; ") ||
		strings.Contains(r.stdout, "recommended:") || strings.Contains(r.stdout, "MoUSO Core Worker Process") {
		t.Fatalf("diagnose: %v", r)
	}

	r = m.run("diagnose", "--output", "json")
	var rep struct {
		Outcome  string
		ExitCode int
		Findings []struct {
			ID, Severity, Plan, Advice string
			Evidence                   []string
		}
		Facts struct {
			Holders []struct {
				Folder  string
				Holders []struct {
					ProcessID   int `json:"processId"`
					ProcessName string
					ServiceName string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %v", err, r)
	}
	if r.code != 0 || rep.Outcome != "refused" || rep.ExitCode != 0 {
		t.Fatalf("diagnose -o json: outcome %q exit %d: %v", rep.Outcome, rep.ExitCode, r)
	}
	found := false
	for _, f := range rep.Findings {
		switch f.ID {
		case "files-in-use":
			found = true
			if f.Severity != "warning" || f.Plan != "" || len(f.Evidence) == 0 || !strings.Contains(f.Evidence[0], who) ||
				!strings.Contains(f.Advice, "repair datastore is refused") {
				t.Errorf("files-in-use: %+v", f)
			}
		case "store-reset-errors":
			if f.Plan != "" || !strings.Contains(f.Advice, "repair datastore is refused") || !strings.Contains(f.Advice, who) {
				t.Errorf("store-reset-errors still offers the plan: %+v", f)
			}
		}
	}
	held := false
	for _, fh := range rep.Facts.Holders {
		for _, h := range fh.Holders {
			held = held || (fh.Folder == "DataStore" && h.ProcessID == 7788 && h.ProcessName == "MoUsoCoreWorker" && h.ServiceName == "")
		}
	}
	if !found || !held {
		t.Fatalf("no files-in-use finding (%v) or holder in the facts (%v): %s", found, held, r.stdout)
	}

	r = m.run("detect")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "no automatic repair applies: repair datastore is refused; ") || !strings.Contains(r.stdout, who) {
		t.Fatalf("detect: %v", r)
	}
	for _, args := range [][]string{{"repair", "--yes"}, {"repair", "datastore", "--yes"}, {"repair", "datastore", "--dry-run"}} {
		r = m.run(args...)
		out := r.stdout + r.stderr
		if r.code != 1 || !strings.Contains(out, "refused, nothing changed") || !strings.Contains(out, edb[:len(dataStore)]+" by "+who) {
			t.Fatalf("%s: %v", strings.Join(args, " "), r)
		}
	}
	sameMachine(t, "after the refusals", before, m.now())

	// The worker finished: the next detection asks for the repair, and it runs.
	m.alter(func(sc *fakehost.Scenario) { sc.Machine.Processes = nil })
	if r = m.run("detect"); r.code != 1 || !strings.HasPrefix(r.stdout, "needs repair:") {
		t.Fatalf("detect once the process ended: %v", r)
	}
	if r = m.run("repair", "--yes"); r.code != 0 {
		t.Fatalf("repair once the process ended: %v", r)
	}
}

// The plan's own stops decide: Delivery Optimization holding a file in
// Download blocks the datastore plan (which does not stop DoSvc) but not
// the reset (which does); wuauserv holding DataStore.edb blocks neither.
func TestHoldersCountOnlyWhenThePlanDoesNotStopThem(t *testing.T) {
	t.Parallel()
	const cab = download + `\0c5d5f3a1b9e4c7d8f2a6b1e3c9d7f40\Windows10.0-KB5034441-x64.cab`
	m := newMachine(t, "0x80070002")
	if r := m.run("diagnose"); r.code != 1 || strings.Contains(r.stdout, "files-in-use") {
		t.Fatalf("wuauserv holding DataStore.edb is released by the plan's own stop: %v", r)
	}
	m.alter(func(sc *fakehost.Scenario) {
		do := sc.Machine.Services["DoSvc"]
		do.Holds = append(do.Holds, cab)
	})
	r := m.run("diagnose")
	if r.code != 0 || !strings.Contains(r.stdout, "in use by service DoSvc (svchost.exe, process id 5276)") {
		t.Fatalf("diagnose with DoSvc holding Download: %v", r)
	}
	if r = m.run("repair", "datastore", "--dry-run"); r.code != 1 || !strings.Contains(r.stdout+r.stderr, "service DoSvc") {
		t.Fatalf("repair datastore --dry-run: %v", r)
	}
	if r = m.run("repair", "reset", "--dry-run"); r.code != 0 || !strings.Contains(r.stdout, "dry run: nothing was changed") {
		t.Fatalf("repair reset --dry-run (it stops DoSvc): %v", r)
	}
}

// A holders probe that fails is a decision probe that failed: cannot tell
// (detect exit 1 naming it, diagnose exit 10), never "healthy" nor a plan.
func TestHoldersProbeFailedIsCannotTell(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	m.mutateScenario(func(sc *fakehost.Scenario) {
		sc.Machine.Faults.ScriptFails = map[string]fakehost.HResult{"Get-WurFileHolders": 0x80070005}
	})
	if r := m.run("detect"); r.code != 1 || !strings.HasPrefix(r.stdout, "cannot tell: probes failed: Get-WurFileHolders") {
		t.Fatalf("detect: %v", r)
	}
	if r := m.run("diagnose"); r.code != 10 || !strings.Contains(r.stdout, "a probe failed: Get-WurFileHolders") {
		t.Fatalf("diagnose: %v", r)
	}
}
