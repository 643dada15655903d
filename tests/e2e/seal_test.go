package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 19, item 4: records cut off the end of a successful repair's
// journal made it look like a crashed run, and `rollback --yes` undid the
// repair. The journal is sealed and its seal copied beside it: the cut
// journal is refused (exit 5 when named, ignored and reported when not),
// the machine stays repaired, detect does not call it unfinished and
// prune keeps its backups.
func TestTruncatedJournalIsNotRolledBack(t *testing.T) {
	t.Parallel()
	for _, cut := range []int{1, 2, 3} {
		t.Run(strings.Repeat("cut", cut), func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			if r := m.run("repair", "datastore", "--yes"); r.code != 0 {
				t.Fatalf("repair: %v", r)
			}
			run := m.onlyRun()
			repaired := m.now()
			path := filepath.Join(m.stateDir, "runs", run.ID, "journal.jsonl")
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.SplitAfter(raw, []byte("\n"))
			lines = lines[:len(lines)-1]
			if err := os.WriteFile(path, bytes.Join(lines[:len(lines)-cut], nil), 0o600); err != nil {
				t.Fatal(err)
			}
			r := m.run("rollback", "--yes")
			if r.code != 0 || !strings.Contains(r.stdout, "nothing to roll back") || !strings.Contains(r.stderr, run.ID) ||
				!strings.Contains(r.stderr, "cut off") {
				t.Fatalf("rollback without a RUN-ID must ignore and report the cut journal: %v", r)
			}
			if r := m.run("rollback", run.ID, "--yes"); r.code != 5 || !strings.Contains(r.stderr, "cut off") {
				t.Fatalf("rollback of the cut journal: want exit 5: %v", r)
			}
			sameMachine(t, "after rollback of a cut journal", repaired, m.now())
			// A rejected journal is no past repair: the update log's old
			// errors count again (detect may say "needs repair"), but it
			// never names the cut run as one to roll back.
			if r := m.run("detect"); strings.Contains(r.stdout+r.stderr, "rollback") {
				t.Fatalf("detect must not call a cut finished run unfinished: %v", r)
			}
			if r := m.run("backups", "prune", "--older-than", "1ns", "--yes"); r.code != 0 || !strings.Contains(r.stdout, "keep ") {
				t.Fatalf("prune must keep the backups of a run whose journal fails verification: %v", r)
			}
			sameMachine(t, "after prune", repaired, m.now())
		})
	}
}
