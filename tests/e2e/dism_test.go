package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// regsvr32 exit 5 means the DLL's DllRegisterServer failed, for any
// reason (issue 20 item 9: not "access denied"): the reset plan, which
// re-registers the update agent's and BITS's DLLs, notes it and goes on
// (issue 9, item 14); the wups2 plan, whose whole point is that
// registration, fails, rolls back and points to the components plan.
func TestRegistrationFailed(t *testing.T) {
	t.Parallel()
	t.Run("reset goes on", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t, "0x80070002")
		protected := []string{system32 + `\wuapi.dll`, sysWOW64 + `\qmgrprxy.dll`}
		m.editMachine(func(machine map[string]any) {
			dlls, _ := machine["dlls"].(map[string]any)
			if dlls == nil {
				dlls = map[string]any{}
				machine["dlls"] = dlls
			}
			for _, p := range protected {
				dlls[p] = map[string]any{"regsvr32Exit": 5}
			}
		})
		r := m.run("repair", "reset", "--yes")
		if r.code != 0 {
			t.Fatalf("a failed DllRegisterServer aborted the reset plan: %v", r)
		}
		for _, p := range protected {
			if !strings.Contains(r.stdout, "note: "+p+": DllRegisterServer failed (regsvr32 exit 5)") {
				t.Fatalf("the output does not note %s as failed: %v", p, r)
			}
		}
		if !strings.Contains(r.stdout, "wurepair repair components") {
			t.Fatalf("the note does not point to the components plan: %v", r)
		}
		run := m.onlyRun()
		if run.Outcome != "success" {
			t.Fatalf("%+v", run)
		}
		show := m.runs("runs", "show", run.ID)
		if !strings.Contains(show.stdout, "DllRegisterServer failed") {
			t.Fatalf("the journal does not record the outcome: %v", show)
		}
		m.verified(run.ID)
	})
	t.Run("wups2 points to components", func(t *testing.T) {
		t.Parallel()
		m := newMachine(t, "regsvr32-denied")
		before := m.now()
		r := m.run("repair", "wups2", "--yes")
		if r.code != 1 {
			t.Fatalf("want exit 1: %v", r)
		}
		for _, s := range []string{"exited 5", "DllRegisterServer failed", "wurepair repair components", "rolled back"} {
			if !strings.Contains(r.stdout+r.stderr, s) {
				t.Fatalf("the output does not say %q: %v", s, r)
			}
		}
		sameMachine(t, "after the rollback", before, m.now())
	})
	for _, text := range []string{"registration protected", "access denied"} {
		m := newMachine(t, "regsvr32-denied")
		if r := m.run("repair", "wups2", "--yes"); strings.Contains(strings.ToLower(r.stdout+r.stderr), text) {
			t.Fatalf("exit 5 is not %q: %v", text, r)
		}
	}
}

// A regsvr32 that never exits (issue 20 item 9) is killed with the
// processes it started after Register-WurDll's timeout and reported
// (TimedOut): a failed step, so the reset plan rolls back everything,
// naming the DLL and the kill.
func TestRegistrationTimeout(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	hung := system32 + `\wuapi.dll`
	m.editMachine(func(machine map[string]any) {
		dlls, _ := machine["dlls"].(map[string]any)
		if dlls == nil {
			dlls = map[string]any{}
			machine["dlls"] = dlls
		}
		dlls[hung] = map[string]any{"regsvr32Hangs": true}
	})
	before := m.now()
	r := m.run("repair", "reset", "--yes")
	if r.code != 1 {
		t.Fatalf("want exit 1 (failed, rolled back): %v", r)
	}
	for _, s := range []string{"regsvr32 /s " + hung + " did not finish in time", "processes it started were killed", "rolled back"} {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Fatalf("the output does not say %q: %v", s, r)
		}
	}
	sameMachine(t, "after the rollback", before, m.now())
}

// -CheckHealth only reads the flag of the last scan: a store damaged since
// reads Healthy. The components plan, which the logged CBS errors
// (0x800F081F) justify, scans it (-ScanHealth) and repairs what the scan
// finds, instead of stopping at "nothing to repair" (issue 9, item 13).
func TestComponentsPlanScansAStaleFlag(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "components")
	m.editMachine(func(machine map[string]any) {
		machine["componentStore"].(map[string]any)["checkHealthFlag"] = "Healthy"
	})
	r := m.run("repair", "auto", "--yes")
	if r.code != 0 {
		t.Fatalf("repair: %v", r)
	}
	if st := m.now().ComponentStore.State; st != "Healthy" {
		t.Fatalf("component store %s after the repair: the plan trusted CheckHealth's stale flag\n%v", st, r)
	}
	run := m.onlyRun()
	show := m.runs("runs", "show", run.ID)
	if !strings.Contains(show.stdout, "ScanHealth: the component store is Repairable") {
		t.Fatalf("the journal does not say what the scan found: %v", show)
	}
}

// Every "repair source unavailable" failure of RestoreHealth (0x800F081F,
// 0x800F0907 policy, 0x800F0954 WSUS) fails the plan with a message naming
// --source (a mounted image's Windows folder) and --limit-access.
func TestRepairSourceUnavailable(t *testing.T) {
	t.Parallel()
	for outcome, hr := range map[string]string{"sourceMissing": "0x800F081F", "sourceDisallowed": "0x800F0907", "wsusNoContent": "0x800F0954"} {
		t.Run(hr, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "components")
			m.editMachine(func(machine map[string]any) {
				machine["componentStore"].(map[string]any)["restoreHealth"] = outcome
			})
			r := m.run("repair", "components", "--yes")
			if r.code != 1 {
				t.Fatalf("want exit 1: %v", r)
			}
			for _, s := range []string{hr, "repair source unavailable", "--source", "mounted image", "--limit-access"} {
				if !strings.Contains(r.stdout, s) {
					t.Fatalf("the output does not say %q: %v", s, r)
				}
			}
		})
	}
}

// Repair-WindowsImage -RestoreHealth reports progress frames: the user
// sees the percentage on stdout and in the log, while the step runs.
func TestComponentRepairShowsProgress(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "components")
	logFile := filepath.Join(t.TempDir(), "wurepair.log")
	r := m.run("repair", "components", "--yes", "--log-file", logFile)
	if r.code != 0 {
		t.Fatalf("repair: %v", r)
	}
	start := strings.Index(r.stdout, "repair the component store ...")
	end := strings.Index(r.stdout, "repair the component store: ok")
	if start < 0 || end < start {
		t.Fatalf("no step lines: %v", r)
	}
	during := r.stdout[start:end]
	for _, want := range []string{"Repair-WurComponentStore: 0%", "Repair-WurComponentStore: 40%", "Repair-WurComponentStore: 100%"} {
		if !strings.Contains(during, want) {
			t.Fatalf("the step's lines do not show %q:\n%s", want, during)
		}
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "percent=62") || !strings.Contains(string(log), "script=Repair-WurComponentStore") {
		t.Fatalf("the log does not show the progress:\n%s", log)
	}
}
