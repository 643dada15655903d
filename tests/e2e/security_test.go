package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 11: a SYSTEM tool no standard user can steer, that never loses
// the machine's data. Each test below plays one attack or crash against
// the real binary and the simulated machine.

// forgedRecord is a journal record as an attacker writes it: the fields of
// wurepair's records, chained by hand.
type forgedRecord struct {
	V      int            `json:"v,omitempty"`
	Seq    int            `json:"seq"`
	Time   string         `json:"time"`
	Type   string         `json:"type"`
	Ref    int            `json:"ref,omitempty"`
	Kind   string         `json:"kind,omitempty"`
	Target string         `json:"target,omitempty"`
	Prior  map[string]any `json:"prior,omitempty"`
	Run    map[string]any `json:"run,omitempty"`
	Out    string         `json:"outcome,omitempty"`
	Prev   string         `json:"prev"`
}

// plantJournal writes runs/<id>/journal.jsonl as an attacker would: the
// records of the old format, their SHA-256 chain recomputed by hand (what
// issue 11 found accepted), and, with keyed, the new format's MAC made
// with a key the attacker guessed.
func (m *machine) plantJournal(id string, keyed bool, recs []forgedRecord) {
	m.t.Helper()
	dir := filepath.Join(m.stateDir, "runs", id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		m.t.Fatal(err)
	}
	var out []byte
	prev := ""
	for i, r := range recs {
		r.Seq, r.Prev = i+1, prev
		if keyed {
			r.V = 2
		}
		line, err := json.Marshal(r)
		if err != nil {
			m.t.Fatal(err)
		}
		sum := sha256.Sum256(line)
		prev = hex.EncodeToString(sum[:])
		if keyed {
			line = append(line[:len(line)-1], []byte(`,"mac":"`+prev+`"}`)...)
		}
		out = append(append(out, line...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "journal.jsonl"), out, 0o600); err != nil {
		m.t.Fatal(err)
	}
}

// privateStateDir creates the state directory as wurepair would (root,
// 0700): the attacker got something into it anyway (on Windows, before
// the fix, %ProgramData%\wurepair inherited "Users may create files").
func (m *machine) privateStateDir() {
	m.t.Helper()
	if err := os.MkdirAll(m.stateDir, 0o700); err != nil {
		m.t.Fatal(err)
	}
}

const forgedID = "20240531T000000Z-abcdef"

// The attack of issue 11: a planted journal whose chain is recomputed by
// hand makes `rollback` set CryptSvc to Disabled and start msiserver as
// Automatic. It must be refused (exit 5), with the machine unchanged, and
// reported by runs list; without a RUN-ID it is not picked either.
func TestForgedJournalRefused(t *testing.T) {
	t.Parallel()
	for _, keyed := range []bool{false, true} {
		t.Run(map[bool]string{false: "sha256-chain", true: "guessed-key"}[keyed], func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			m.privateStateDir()
			// A genuine run first: the state directory and its key exist.
			if r := m.run("repair", "components", "--yes"); r.code != 0 {
				t.Fatalf("genuine run: %v", r)
			}
			before := m.now()
			m.plantJournal(forgedID, keyed, []forgedRecord{
				{Time: "2024-05-31T00:00:00Z", Type: "run-start", Run: map[string]any{"id": forgedID, "command": "repair", "plans": []string{"reset"}, "version": "1.0.0"}},
				{Time: "2024-05-31T00:00:01Z", Type: "intent", Kind: "service-stop", Target: "CryptSvc", Prior: map[string]any{"status": "Running", "startType": "Disabled"}},
				{Time: "2024-05-31T00:00:02Z", Type: "done", Ref: 2},
				{Time: "2024-05-31T00:00:03Z", Type: "intent", Kind: "service-stop", Target: "msiserver", Prior: map[string]any{"status": "Running", "startType": "Automatic"}},
				{Time: "2024-05-31T00:00:04Z", Type: "done", Ref: 4},
			})
			r := m.run("rollback", forgedID, "--yes")
			if r.code != 5 || !strings.Contains(r.stderr, "fails verification") {
				t.Fatalf("rollback of a forged journal: want exit 5 and the reason: %v", r)
			}
			sameMachine(t, "after rollback of a forged journal", before, m.now())
			r = m.run("rollback", "--yes")
			if r.code != 0 || !strings.Contains(r.stdout, "nothing to roll back") || !strings.Contains(r.stderr, forgedID) {
				t.Fatalf("rollback without a RUN-ID must ignore (and report) the forged run: %v", r)
			}
			sameMachine(t, "after rollback without a RUN-ID", before, m.now())
			if r := m.runs("runs", "list"); r.code != 0 || !strings.Contains(r.stdout, "ignored run folder "+forgedID) {
				t.Fatalf("runs list must report the forged run: %v", r)
			}
			if r := m.runs("runs", "show", forgedID); r.code != 5 || strings.Contains(r.stdout, "CryptSvc") {
				t.Fatalf("runs show of a forged run: %v", r)
			}
		})
	}
}

// A forged "success" run must not make `detect` say healthy on a broken
// machine (that would hide it from remediation).
func TestForgedSuccessDoesNotHideFault(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	m.privateStateDir()
	m.plantJournal(forgedID, false, []forgedRecord{
		{Time: "2024-05-31T00:00:00Z", Type: "run-start", Run: map[string]any{"id": forgedID, "command": "repair", "plans": []string{"datastore"}, "version": "1.0.0"}},
		{Time: "2024-05-31T00:00:10Z", Type: "run-end", Out: "success"},
	})
	r := m.run("detect")
	if r.code != 1 || !strings.Contains(r.stdout, "needs repair") {
		t.Fatalf("detect on a broken machine with a forged success: %v", r)
	}
	r = m.run("diagnose")
	if r.code != 1 || !strings.Contains(r.stdout, "journal-rejected") || strings.Contains(r.stdout, "errors-already-repaired") {
		t.Fatalf("diagnose must report the rejected journal and the fault: %v", r)
	}
}

// A state directory anyone may write, or that is a link, is refused
// (exit 5) before anything changes.
func TestUntrustedStateDirRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		plant func(m *machine)
	}{
		{"world-writable", func(m *machine) {
			if err := os.Mkdir(m.stateDir, 0o700); err != nil {
				m.t.Fatal(err)
			}
			if err := os.Chmod(m.stateDir, 0o777); err != nil {
				m.t.Fatal(err)
			}
		}},
		{"link", func(m *machine) {
			elsewhere := filepath.Join(m.dir, "elsewhere")
			if err := os.Mkdir(elsewhere, 0o700); err != nil {
				m.t.Fatal(err)
			}
			if err := os.Symlink(elsewhere, m.stateDir); err != nil {
				m.t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			seedState(t, m)
			before := m.stateBytes()
			tc.plant(m)
			for _, args := range [][]string{{"repair", "datastore", "--yes"}, {"rollback", forgedID, "--yes"}, {"backups", "prune", "--older-than", "1ns", "--yes"}} {
				r := m.run(args...)
				if r.code != 5 || !strings.Contains(r.stderr, "not trustworthy") {
					t.Fatalf("%v with an untrusted state directory: want exit 5: %v", args, r)
				}
				if m.stateBytes() != before {
					t.Fatalf("%v changed the machine", args)
				}
			}
			if r := m.runs("runs", "list"); r.code != 5 {
				t.Fatalf("runs list: %v", r)
			}
			if entries, _ := os.ReadDir(filepath.Join(m.dir, "elsewhere")); len(entries) != 0 {
				t.Fatalf("written through the link: %v", entries)
			}
		})
	}
}

// A lock file that is a link never makes wurepair truncate or overwrite
// its target; a runs folder that is a link is never written through.
func TestLinksInStateDirRefused(t *testing.T) {
	t.Parallel()
	const precious = "precious data the attacker wants destroyed\n"
	for _, tc := range []struct {
		name string
		link string // relative to the state directory
		dir  bool
	}{
		{"lock", "wurepair.lock", false},
		{"runs", "runs", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			seedState(t, m)
			before := m.stateBytes()
			m.privateStateDir()
			victim := filepath.Join(m.dir, "victim")
			if tc.dir {
				if err := os.Mkdir(victim, 0o700); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(victim, []byte(precious), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(victim, filepath.Join(m.stateDir, tc.link)); err != nil {
				t.Fatal(err)
			}
			r := m.run("repair", "datastore", "--yes")
			if r.code != 5 || !strings.Contains(r.stderr, "link") {
				t.Fatalf("want exit 5 naming the link: %v", r)
			}
			if m.stateBytes() != before {
				t.Fatal("the machine was changed")
			}
			if tc.dir {
				if entries, _ := os.ReadDir(victim); len(entries) != 0 {
					t.Fatalf("written through the link: %v", entries)
				}
			} else if raw, _ := os.ReadFile(victim); string(raw) != precious {
				t.Fatalf("the link's target was changed: %q", raw)
			}
		})
	}
}

// setAsides lists (and removes from st) what a rollback set aside: the
// folders named <folder>.wurepair-<rollback id>-rollback and what is in
// them. Each must hold only what the services created after the run.
func setAsides(t *testing.T, st *fakehost.MachineState) []string {
	t.Helper()
	var roots []string
	for p := range st.Files {
		if strings.HasSuffix(strings.ToLower(p), "-rollback") && strings.Contains(strings.ToLower(p), ".wurepair-") {
			roots = append(roots, p)
		}
	}
	for _, root := range roots {
		for rel, e := range filesUnder(*st, root) {
			if e.Kind == "file" && e.Size != 0 {
				t.Fatalf("set aside %s\\%s holds data the machine had before the run: %+v", root, rel, e)
			}
			delete(st.Files, root+`\`+rel)
			for p := range st.Files {
				if strings.EqualFold(p, root+`\`+rel) {
					delete(st.Files, p)
				}
			}
		}
		delete(st.Files, root)
	}
	return roots
}

// Rolling back a successful run exits 0 and gives back the machine as it
// was before the run: the services the run started again are stopped
// before the folders they hold are restored. What stood in the folders
// after the run (files the services created) is set aside, not deleted;
// DLL registrations are kept by design (README: re-registering is
// idempotent, unregistering could break Windows Update).
func TestRollbackSuccessfulRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ scenario, plan string }{
		{"0x80070002", "datastore"},
		{"trigger-restart", "datastore"},
		{"0x80070002", "reset"},
		{"kb943144", "wups2"},
	} {
		t.Run(tc.scenario+"-"+tc.plan, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, tc.scenario)
			before := m.now()
			if r := m.run("repair", tc.plan, "--yes"); r.code != 0 {
				t.Fatalf("repair: %v", r)
			}
			run := m.onlyRun()
			r := m.run("rollback", run.ID, "--yes")
			if r.code != 0 {
				t.Fatalf("rollback of a successful %s run: %v", tc.plan, r)
			}
			after := m.now()
			aside := setAsides(t, &after)
			if tc.plan != "wups2" && len(aside) == 0 {
				t.Fatal("nothing was set aside: the services did not recreate their files?")
			}
			after.CLSID = before.CLSID // kept by design
			sameMachine(t, "after rolling back a successful run", before, after)
			if r := m.run("rollback", run.ID, "--yes"); r.code != 0 {
				t.Fatalf("a second rollback must be harmless: %v", r)
			}
			m.verified(run.ID)
			if got := m.onlyRun(); got.Outcome != "rolled-back" {
				t.Fatalf("%+v", got)
			}
		})
	}
}

// fakehostUnlimited is a wrapper that lifts the file size limit before it
// starts the fake host: the simulated machine's disk is not the one
// wurepair's state directory is on.
func fakehostUnlimited(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "fakehost-unlimited")
	script := "#!/bin/sh\nulimit -f unlimited\nexec '" + built.fakehost + "' \"$@\"\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// runDiskFull runs wurepair with its files limited to limit bytes
// (RLIMIT_FSIZE): a write past it fails part way, as on a full disk.
func (m *machine) runDiskFull(limit int, args ...string) result {
	m.t.Helper()
	if _, err := exec.LookPath("prlimit"); err != nil {
		m.t.Skip("prlimit (util-linux) is needed to fill the disk")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"--fsize=" + itoa(limit) + ":unlimited", built.wurepair}, args...)
	full = append(full, "--powershell", fakehostUnlimited(m.t, m.dir), "--state-dir", m.stateDir)
	cmd := m.command(ctx)
	cmd.Path, cmd.Args = mustLook(m.t, "prlimit"), append([]string{"prlimit"}, full...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		m.t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func mustLook(t *testing.T, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func itoa(n int) string { return strconv.Itoa(n) }

// Disk full mid-run: a journal write fails part way. The automatic
// rollback works from the records in memory (the file is cut back to its
// last good record) and undoes everything even though it cannot journal
// it, then says to run `rollback`; once space is back, `rollback <id>`
// exits 0 and the machine is the one before the run.
func TestDiskFullJournalThenRollback(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{4000, 7000} {
		t.Run(itoa(limit), func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			before := m.now()
			r := m.runDiskFull(limit, "repair", "reset", "--yes")
			// 3 when the journal could not record the rollback (then it
			// says to run `wurepair rollback`), 1 when it could.
			if !(r.code == 3 && strings.Contains(r.stdout, "wurepair rollback ") || r.code == 1 && strings.Contains(r.stdout, "rolled back")) {
				t.Fatalf("want exit 3 with the rollback advice, or 1: %v", r)
			}
			run := m.onlyRun()
			if run.Changes == 0 {
				t.Fatalf("the disk filled before any change: raise the limit: %+v", run)
			}
			sameMachine(t, "after the automatic rollback on a full disk", before, m.now())
			r = m.run("rollback", run.ID, "--yes")
			if r.code != 0 {
				t.Fatalf("rollback once space is back: %v", r)
			}
			sameMachine(t, "after rollback once space is back", before, m.now())
			m.verified(run.ID)
			if got := m.onlyRun(); got.Outcome != "rolled-back" {
				t.Fatalf("%+v", got)
			}
		})
	}
}
