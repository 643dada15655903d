package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The repairs, end to end: the real binary, the fake host, and what the
// simulated machine looks like afterwards.

const (
	system32  = `C:\Windows\System32`
	sysWOW64  = `C:\Windows\SysWOW64`
	swDist    = `C:\Windows\SoftwareDistribution`
	dataStore = swDist + `\DataStore`
	download  = swDist + `\Download`
)

type runSummary struct {
	ID      string
	Plans   []string
	Outcome string
	Changes int
	Undone  int
}

// onlyRun is the one run recorded in the machine's state directory.
func (m *machine) onlyRun() runSummary {
	m.t.Helper()
	r := m.runs("runs", "list", "--output", "json")
	var runs []runSummary
	if err := json.Unmarshal([]byte(r.stdout), &runs); err != nil || len(runs) != 1 {
		m.t.Fatalf("want one run: %v %v", err, r)
	}
	return runs[0]
}

// verified checks the run's journal: hash chain intact.
func (m *machine) verified(id string) {
	m.t.Helper()
	r := m.runs("runs", "show", id)
	if r.code != 0 || !strings.Contains(r.stdout, "journal hash chain verified") {
		m.t.Fatalf("runs show %s: %v", id, r)
	}
}

// KB943144 fix 1: wups2.dll registered in every registry view it exists
// for, wuauserv running again with its start type.
func TestRepairWups2(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scenario string
		dlls     []string
	}{
		{"kb943144", []string{system32 + `\wups2.dll`, sysWOW64 + `\wups2.dll`}},
		{"kb943144-x86", []string{system32 + `\wups2.dll`}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, tc.scenario)
			before := m.now()
			r := m.run("repair", "wups2", "--yes")
			if r.code != 0 {
				t.Fatalf("repair wups2: %v", r)
			}
			after := m.now()
			views := map[string]string{system32: "64", sysWOW64: "32"}
			// 32-bit Windows has one registry view, the native one ("64"
			// in the simulation's terms) and no SysWOW64.
			registered := 0
			for path, dll := range after.DLLs {
				if !strings.EqualFold(filepath.Base(strings.ReplaceAll(path, `\`, "/")), "wups2.dll") {
					continue
				}
				view := views[path[:strings.LastIndex(path, `\`)]]
				for _, clsid := range dll.Registers {
					if before.CLSID[view][clsid] != "" {
						t.Fatalf("%s was already registered in view %s before the repair", clsid, view)
					}
					if after.CLSID[view][clsid] == "" {
						t.Fatalf("%s: %s not registered in registry view %s: %v", path, clsid, view, after.CLSID)
					}
				}
				registered++
			}
			if registered != len(tc.dlls) {
				t.Fatalf("%d wups2.dll on the machine, want %d", registered, len(tc.dlls))
			}
			for _, dll := range tc.dlls {
				if !strings.Contains(r.stdout, "register "+dll+" with regsvr32") {
					t.Fatalf("the plan does not register %s:\n%s", dll, r.stdout)
				}
			}
			if strings.Count(r.stdout, "with regsvr32 /s") != len(tc.dlls) {
				t.Fatalf("want %d registrations:\n%s", len(tc.dlls), r.stdout)
			}
			for _, name := range []string{"wuauserv", "UsoSvc"} {
				b, a := service(t, before, name), service(t, after, name)
				if a.Status != "Running" || a.StartType != b.StartType || a.DelayedAutoStart != b.DelayedAutoStart {
					t.Fatalf("%s after: %+v, before: %+v", name, a, b)
				}
			}
			if d := m.run("diagnose"); d.code != 0 {
				t.Fatalf("diagnose after the repair: %v", d)
			}
			run := m.onlyRun()
			if run.Outcome != "success" {
				t.Fatalf("%+v", run)
			}
			m.verified(run.ID)
		})
	}
}

// Error 0x80070002: DataStore and Download reset, their contents kept in
// the run's backups, the update history saved first, services as before.
// The French machine must give the same result: nothing reads localized text.
func TestRepairDatastore(t *testing.T) {
	t.Parallel()
	for _, scenario := range []string{"0x80070002", "french", "trigger-restart"} {
		t.Run(scenario, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, scenario)
			before := m.now()
			r := m.run("repair", "datastore", "--yes")
			if r.code != 0 {
				t.Fatalf("repair datastore: %v", r)
			}
			after := m.now()
			run := m.onlyRun()
			for _, dir := range []string{dataStore, download} {
				old := filesUnder(before, dir)
				if len(old) == 0 {
					t.Fatalf("the scenario has nothing in %s", dir)
				}
				// Emptied: nothing that was there is there. wuauserv, started
				// again, creates a new empty DataStore.edb (as on Windows).
				for rel, e := range filesUnder(after, dir) {
					if dir != dataStore || rel != "datastore.edb" || e.Kind != "file" || e.Size != 0 {
						t.Fatalf("%s\\%s is there after the reset: %+v", dir, rel, e)
					}
				}
				// Kept: the backup holds exactly what was there.
				backup := filesUnder(after, dir+".wurepair-"+run.ID)
				if strings.Join(keys(backup), "|") != strings.Join(keys(old), "|") {
					t.Fatalf("backup of %s holds %v, want %v", dir, keys(backup), keys(old))
				}
				for rel, e := range old {
					if !reflect.DeepEqual(backup[rel], e) {
						t.Fatalf("backup of %s\\%s: %+v, want %+v", dir, rel, backup[rel], e)
					}
				}
			}
			// The history export, made before anything was cleared.
			raw, err := os.ReadFile(filepath.Join(m.stateDir, "runs", run.ID, "history.json"))
			if err != nil {
				t.Fatal(err)
			}
			var history struct {
				Count   int
				Entries []struct{ UpdateId string }
			}
			if err := json.Unmarshal(raw, &history); err != nil {
				t.Fatalf("history.json: %v", err)
			}
			_, edb := before.LookupFile(dataStore + `\DataStore.edb`)
			if edb == nil || len(edb.History) == 0 || history.Count != len(edb.History) || len(history.Entries) != len(edb.History) {
				t.Fatalf("history.json has %d entries, the DataStore held %v", len(history.Entries), edb)
			}
			for i, e := range history.Entries {
				if e.UpdateId != edb.History[i].UpdateID {
					t.Fatalf("history entry %d: update %s, want %s", i, e.UpdateId, edb.History[i].UpdateID)
				}
			}
			for _, name := range []string{"wuauserv", "BITS", "UsoSvc"} {
				b, a := service(t, before, name), service(t, after, name)
				if a.Status != b.Status || a.StartType != b.StartType || a.DelayedAutoStart != b.DelayedAutoStart {
					t.Fatalf("%s after: %+v, before: %+v", name, a, b)
				}
			}
			if service(t, after, "wuauserv").Status != "Running" {
				t.Fatal("wuauserv is not running")
			}
			if d := m.run("detect"); d.code != 0 {
				t.Fatalf("detect after the repair: %v", d)
			}
			if run.Outcome != "success" || run.Undone != 0 {
				t.Fatalf("%+v", run)
			}
			m.verified(run.ID)
		})
	}
}

// KB943144 fix 2 on current Windows: the component store repaired.
func TestRepairComponents(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "components")
	r := m.run("repair", "components", "--yes")
	if r.code != 0 {
		t.Fatalf("repair components: %v", r)
	}
	if st := m.now().ComponentStore.State; st != "Healthy" {
		t.Fatalf("component store %s after the repair", st)
	}
	if d := m.run("detect"); d.code != 0 {
		t.Fatalf("detect after the repair: %v", d)
	}
	if _, err := os.Stat(filepath.Join(m.stateDir, "runs")); err != nil {
		t.Fatal(err)
	}
	m.verified(m.onlyRun().ID)
}

// A component-store repair that needs a restart to finish says so with
// 3010, the code ConfigMgr and Intune read as "success, reboot required".
func TestRepairComponentsRebootRequired(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "components")
	m.editMachine(func(machine map[string]any) {
		machine["componentStore"].(map[string]any)["restartAfterRepair"] = true
	})
	r := m.run("repair", "components", "--yes")
	if r.code != exitStatus(3010) || !strings.Contains(r.stdout, "a reboot is required") {
		t.Fatalf("want 3010 and the reboot message: %v", r)
	}
	if st := m.now().ComponentStore.State; st != "Healthy" {
		t.Fatalf("component store %s after the repair", st)
	}
	if run := m.onlyRun(); run.Outcome != "success" {
		t.Fatalf("%+v", run)
	}
}

// A plan that fails part way undoes everything it changed: the machine is
// the one it was (process ids aside), the message says what failed.
func TestFailedRepairRollsBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scenario, plan string
		mention        []string
	}{
		{"stuck-service", "auto", []string{"wuauserv could not stop", "did not respond", "Win32 error 1053", "rolled back"}},
		{"regsvr32-denied", "wups2", []string{"regsvr32", "exited 5", "rolled back"}},
		{"disk-full", "datastore", []string{`\Download`, "0x80070070", "rolled back"}},
		{"crash-midplan", "datastore", []string{"PowerShell exited (code 3)", "Backup-WurFolder", "rolled back"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, tc.scenario)
			before := m.now()
			r := m.run("repair", tc.plan, "--yes")
			if r.code != 1 {
				t.Fatalf("want exit 1: %v", r)
			}
			for _, s := range tc.mention {
				if !strings.Contains(r.stdout+r.stderr, s) {
					t.Fatalf("the output does not say %q: %v", s, r)
				}
			}
			sameMachine(t, "after the rollback", before, m.now())
			run := m.onlyRun()
			if run.Outcome != "rolled-back" || run.Undone == 0 {
				t.Fatalf("%+v", run)
			}
			m.verified(run.ID)
		})
	}
}

// A service stuck in StopPending cannot be started again either: the
// rollback is incomplete and wurepair says so with exit 3, naming the run
// to roll back later, instead of pretending.
func TestStuckStopPendingIsPartial(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "stuck-stoppending")
	r := m.run("repair", "datastore", "--yes")
	if r.code != 3 || !strings.Contains(r.stdout, "StopPending") || !strings.Contains(r.stdout, "wurepair rollback") {
		t.Fatalf("want exit 3 and the rollback advice: %v", r)
	}
	if st := m.now(); len(filesUnder(st, dataStore)) == 0 {
		t.Fatal("DataStore was touched although wuauserv never stopped")
	}
}

// backups prune dates a backup by its run, not by its folder (a rename
// keeps the folder's creation time, years ago on the simulated machine),
// and deletes nothing but backups.
func TestPruneBackups(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	if r := m.run("repair", "datastore", "--yes"); r.code != 0 {
		t.Fatalf("repair: %v", r)
	}
	run := m.onlyRun()
	before := m.now()
	r := m.run("backups", "prune", "--older-than", "720h", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "no backup is older than") {
		t.Fatalf("fresh backups must be kept: %v", r)
	}
	sameMachine(t, "prune of fresh backups", before, m.now())
	r = m.run("backups", "prune", "--older-than", "1ns", "--yes")
	if r.code != 0 || strings.Count(r.stdout, "delete ") != 2 {
		t.Fatalf("prune: %v", r)
	}
	after := m.now()
	for _, dir := range []string{dataStore, download} {
		if _, e := after.LookupFile(dir + ".wurepair-" + run.ID); e != nil {
			t.Fatalf("%s backup still there", dir)
		}
		if _, e := after.LookupFile(dir); e == nil {
			t.Fatalf("%s itself was deleted", dir)
		}
	}
	if _, e := after.LookupFile(dataStore + `\DataStore.edb`); e == nil {
		t.Fatal("the live DataStore.edb was deleted")
	}
}
