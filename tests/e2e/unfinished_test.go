package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// killMidPlan starts a datastore repair, kills it (SIGKILL) with the
// services stopped and both folders renamed, and returns the killed run.
// during, if set, runs while the repair is still running.
func (m *machine) killMidPlan(t *testing.T, during ...func()) runSummary {
	t.Helper()
	m.slowScript("Start-WurService", 600_000)
	first := m.start("repair", "datastore", "--yes")
	first.waitFor(t, "[5/7] start services again")
	for _, f := range during {
		f()
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := first.cmd.Wait(); err == nil {
		t.Fatal("wurepair survived SIGKILL")
	}
	m.fastAgain()
	run := m.onlyRun()
	if run.Outcome != "incomplete" {
		t.Fatalf("the killed run: %+v", run)
	}
	return run
}

// A run killed mid-plan is never forgotten: detect and diagnose name it
// with the exact rollback command (detect exits 1), a new repair refuses
// to run on top of it (exit 6) unless --force, prune keeps its backups
// (the only copy of the original DataStore), and `rollback <id>` works
// even from a torn last record.
func TestUnfinishedRunNeverForgotten(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	m.slowScript("Start-WurService", 600_000)
	before := m.now()
	before.Faults.SlowMs = nil
	run := m.killMidPlan(t, func() {
		// While the run holds the lock it is running, not unfinished.
		if r := m.runs("runs", "list"); !strings.Contains(r.stdout, "running") || strings.Contains(r.stdout, "wurepair rollback") {
			t.Errorf("runs list while the repair runs: %v", r)
		}
	})
	mid := m.now()
	rollback := "wurepair rollback " + run.ID + " --yes"

	if r := m.run("detect"); r.code != 1 || !strings.Contains(r.stdout, rollback) {
		t.Fatalf("detect must name the unfinished run and its rollback command: %v", r)
	}
	if r := m.run("diagnose"); r.code != 1 || !strings.Contains(r.stdout, "unfinished-run") || !strings.Contains(r.stdout, rollback) {
		t.Fatalf("diagnose must report the unfinished run: %v", r)
	}
	if r := m.run("repair", "datastore", "--yes"); r.code != 6 || !strings.Contains(r.stderr, rollback) {
		t.Fatalf("repair on top of an unfinished run: want exit 6 naming the rollback: %v", r)
	}
	sameMachine(t, "after the refused repair", mid, m.now())

	r := m.run("backups", "prune", "--older-than", "1ns", "--yes")
	if r.code != 0 || strings.Contains(r.stdout, "delete ") || !strings.Contains(r.stdout, "keep ") {
		t.Fatalf("prune must keep the backups of an unfinished run: %v", r)
	}
	sameMachine(t, "after prune", mid, m.now())

	// A crash mid-write leaves a torn last record: rollback cuts it.
	journal := filepath.Join(m.stateDir, "runs", run.ID, "journal.jsonl")
	f, err := os.OpenFile(journal, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"v":2,"seq":99,"type":"inte`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if r := m.run("rollback", run.ID, "--yes"); r.code != 0 {
		t.Fatalf("rollback from a torn tail: %v", r)
	}
	sameMachine(t, "after kill, torn tail and rollback", before, m.now())
	m.verified(run.ID)
	if r := m.run("detect"); r.code != 1 || strings.Contains(r.stdout, "rollback") {
		t.Fatalf("after the rollback detect reports the fault, not the run: %v", r)
	}
	if r := m.run("repair", "datastore", "--yes"); r.code != 0 {
		t.Fatalf("repair after the rollback: %v", r)
	}
}

// --force repairs on top of an unfinished run, and says so in its journal.
func TestRepairForceOnTopOfUnfinished(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	run := m.killMidPlan(t)
	r := m.run("repair", "datastore", "--yes", "--force")
	if r.code == 6 {
		t.Fatalf("--force must not be refused: %v", r)
	}
	var latest string
	for _, line := range strings.Split(m.runs("runs", "list").stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] != "RUN" && f[0] != run.ID && f[0] != "run" {
			latest = f[0]
		}
	}
	if latest == "" {
		t.Fatal("no second run")
	}
	if s := m.runs("runs", "show", latest); !strings.Contains(s.stdout, "--force: repairing on top of an unfinished run: run "+run.ID) {
		t.Fatalf("the forced run's journal must name the unfinished one: %v", s)
	}
}

// Prune dates what a rollback set aside by the rollback, not by the run:
// a fresh set-aside survives a prune of old backups.
func TestPruneDatesSetAsideByRollback(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	if r := m.run("repair", "datastore", "--yes"); r.code != 0 {
		t.Fatalf("repair: %v", r)
	}
	run := m.onlyRun()
	if r := m.run("rollback", run.ID, "--yes"); r.code != 0 {
		t.Fatalf("rollback: %v", r)
	}
	st := m.now()
	var aside []string
	for p := range st.Files {
		if strings.HasSuffix(p, "-rollback") {
			aside = append(aside, p)
		}
	}
	if len(aside) == 0 {
		t.Fatal("the rollback set nothing aside")
	}
	for _, a := range aside {
		if strings.Contains(a, run.ID) {
			t.Fatalf("set-aside %s is named after the run, not the rollback", a)
		}
	}
	r := m.run("backups", "prune", "--older-than", "720h", "--yes")
	if r.code != 0 || strings.Contains(r.stdout, "delete ") {
		t.Fatalf("a fresh set-aside must be kept: %v", r)
	}
	if r := m.run("backups", "prune", "--older-than", "1ns", "--yes"); r.code != 0 || strings.Count(r.stdout, "delete ") != len(aside) {
		t.Fatalf("an old set-aside is pruned: %v", r)
	}
}

// Bounded input: a journal over the size limit is not read (a planted
// multi-GB file cannot exhaust memory), and one from a newer wurepair is
// reported as such, not as corrupt.
func TestJournalBoundsAndVersions(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "healthy")
	m.privateStateDir()
	big := filepath.Join(m.stateDir, "runs", "20240530T000000Z-000001")
	if err := os.MkdirAll(big, 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(big, "journal.jsonl"), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(64 << 20); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	newer := filepath.Join(m.stateDir, "runs", "20240530T000000Z-000002")
	if err := os.MkdirAll(newer, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(newer, "journal.jsonl"), []byte(`{"v":99,"seq":1,"type":"run-start","sig":"ed25519:..."}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := m.run("detect"); r.code != 0 {
		t.Fatalf("detect on a healthy machine: %v", r)
	}
	r := m.runs("runs", "list")
	if !strings.Contains(r.stdout, "exceeds the 16 MiB limit") || !strings.Contains(r.stdout, "newer wurepair") {
		t.Fatalf("runs list must say why each journal was ignored: %v", r)
	}
	if r := m.runs("runs", "show", "20240530T000000Z-000002"); r.code != 5 || !strings.Contains(r.stderr, "newer wurepair") {
		t.Fatalf("runs show of a newer journal: %v", r)
	}
}

// `runs show` never prints control characters from a journal raw: a user
// name carrying a terminal escape is shown escaped.
func TestRunsShowEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "components")
	cmd := m.command(t.Context(), "repair", "components", "--yes")
	cmd.Env = append(cmd.Env, "USERNAME=e2e\x1b]0;owned\x07\x1b[2J")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("repair: %v\n%s", err, out)
	}
	run := m.onlyRun()
	r := m.runs("runs", "show", run.ID)
	if r.code != 0 || strings.ContainsAny(r.stdout, "\x1b\x07") || !strings.Contains(r.stdout, `e2e\u001b]0;owned\u0007`) {
		t.Fatalf("runs show printed control characters raw: %q", r.stdout)
	}
}

// withRunningDependent adds a running service that depends on wuauserv:
// stopping wuauserv stops it first.
func (m *machine) withRunningDependent() {
	m.editMachine(func(machine map[string]any) {
		machine["services"].(map[string]any)["WaaSMedicSvc"] = map[string]any{
			"displayName": "Windows Update Medic Service", "status": "Running", "startType": "Manual",
			"processId": 6100, "dependsOn": []string{"wuauserv"}}
	})
}

// A service stop with running dependents: they come back, after a
// successful run, after a failed one (rollback), and after rolling back a
// successful one.
func TestRunningDependentsComeBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scenario string
		code     int
	}{{"0x80070002", 0}, {"disk-full", 1}} {
		t.Run(tc.scenario, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, tc.scenario)
			m.withRunningDependent()
			before := m.now()
			r := m.run("repair", "datastore", "--yes")
			if r.code != tc.code {
				t.Fatalf("repair: want exit %d: %v", tc.code, r)
			}
			if st := service(t, m.now(), "WaaSMedicSvc").Status; st != "Running" {
				t.Fatalf("the dependent stopped with wuauserv is %s after the run", st)
			}
			if tc.code != 0 {
				sameMachine(t, "after the failed run", before, m.now())
				return
			}
			if r := m.run("rollback", m.onlyRun().ID, "--yes"); r.code != 0 {
				t.Fatalf("rollback: %v", r)
			}
			after := m.now()
			setAsides(t, &after)
			sameMachine(t, "after rolling back", before, after)
		})
	}
}

// A start type changed after a crash is restored to the exact one the
// journal recorded, delayed flag included, never to a default.
func TestRollbackRestoresExactStartType(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	m.editMachine(func(machine map[string]any) {
		svc := machine["services"].(map[string]any)["wuauserv"].(map[string]any)
		svc["startType"], svc["delayedAutoStart"] = "Automatic", true
	})
	m.slowScript("Start-WurService", 600_000)
	before := m.now()
	before.Faults.SlowMs = nil
	run := m.killMidPlan(t)
	mm := m.open()
	_, svc := mm.State.LookupService("wuauserv")
	svc.StartType, svc.DelayedAutoStart = "Manual", false
	if err := mm.Save(); err != nil {
		t.Fatal(err)
	}
	if r := m.run("rollback", run.ID, "--yes"); r.code != 0 {
		t.Fatalf("rollback: %v", r)
	}
	if svc := service(t, m.now(), "wuauserv"); svc.StartType != "Automatic" || !svc.DelayedAutoStart {
		t.Fatalf("wuauserv after the rollback: %+v", svc)
	}
	sameMachine(t, "after the rollback", before, m.now())
}
