//go:build !windows

package orchestrator

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The state directory and what is in it are trusted only when owned by
// root (or the user running wurepair) and writable by no one else, with
// no link anywhere: otherwise refused, and nothing is written through.
func TestStateDirTrust(t *testing.T) {
	t.Run("group-writable directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "wurepair")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenStateDir(dir, true); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("0777 state directory: %v", err)
		}
	})
	t.Run("directory owned by another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a folder away")
		}
		dir := filepath.Join(t.TempDir(), "wurepair")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, 1000, 1000); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenStateDir(dir, true); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("state directory owned by uid 1000: %v", err)
		}
	})
	t.Run("directory is a link", func(t *testing.T) {
		base := t.TempDir()
		real := filepath.Join(base, "elsewhere")
		if err := os.Mkdir(real, 0o700); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(base, "wurepair")
		if err := os.Symlink(real, link); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenStateDir(link, true); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("linked state directory: %v", err)
		}
	})
	t.Run("new directory is private", func(t *testing.T) {
		sd, _ := testState(t)
		fi, err := os.Stat(sd.Path)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%v %v", fi.Mode(), err)
		}
		ki, err := os.Stat(filepath.Join(sd.Path, KeyName))
		if err != nil || ki.Mode().Perm() != 0o600 || ki.Size() != keyLen {
			t.Fatalf("key: %v %v", ki, err)
		}
	})
	t.Run("readable key", func(t *testing.T) {
		sd, _ := testState(t)
		if err := os.Chmod(filepath.Join(sd.Path, KeyName), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := sd.JournalKey(false); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("0644 key: %v", err)
		}
	})
}

// A lock file, journal or run folder that is a link is refused; the link's
// target is never truncated or written.
func TestStateDirRefusesLinks(t *testing.T) {
	victim := filepath.Join(t.TempDir(), "victim")
	const content = "precious data, no newline"
	write := func() {
		if err := os.WriteFile(victim, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string) {
		t.Helper()
		raw, err := os.ReadFile(victim)
		if err != nil || string(raw) != content {
			t.Fatalf("%s: the link's target was changed: %q %v", what, raw, err)
		}
	}
	t.Run("lock", func(t *testing.T) {
		write()
		sd, _ := testState(t)
		if err := os.Symlink(victim, filepath.Join(sd.Path, LockName)); err != nil {
			t.Fatal(err)
		}
		if _, err := AcquireLock(sd); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("linked lock: %v", err)
		}
		check("lock")
	})
	t.Run("hard-linked lock", func(t *testing.T) {
		write()
		sd, _ := testState(t)
		if err := os.Link(victim, filepath.Join(sd.Path, LockName)); err != nil {
			t.Skip("no hard links here:", err)
		}
		if _, err := AcquireLock(sd); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("hard-linked lock: %v", err)
		}
		check("hard-linked lock")
	})
	t.Run("journal", func(t *testing.T) {
		write()
		sd, key := testState(t)
		if _, err := sd.MkdirAll("runs", testRunID); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(victim, journalPath(sd, testRunID)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := AppendJournal(sd, testRunID, key, fixedNow); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("linked journal: %v", err)
		}
		if _, err := ReadRun(sd, testRunID, key); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("linked journal: %v", err)
		}
		check("journal")
	})
	t.Run("run folder", func(t *testing.T) {
		sd, key := testState(t)
		elsewhere := t.TempDir()
		if _, err := sd.MkdirAll("runs"); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(elsewhere, filepath.Join(sd.Path, "runs", testRunID)); err != nil {
			t.Fatal(err)
		}
		if _, err := CreateJournal(sd, testRunID, key, fixedNow); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("linked run folder: %v", err)
		}
		if _, err := ReadRun(sd, testRunID, key); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("linked run folder: %v", err)
		}
		if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
			t.Fatalf("written through the link: %v", entries)
		}
	})
	t.Run("runs folder", func(t *testing.T) {
		sd, key := testState(t)
		elsewhere := t.TempDir()
		if err := os.Symlink(elsewhere, filepath.Join(sd.Path, "runs")); err != nil {
			t.Fatal(err)
		}
		if _, err := CreateJournal(sd, testRunID, key, fixedNow); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("linked runs folder: %v", err)
		}
		if _, err := ListRuns(sd, key); !errors.Is(err, ErrUntrusted) {
			t.Fatalf("linked runs folder: %v", err)
		}
	})
}

func TestValidRunID(t *testing.T) {
	for id, want := range map[string]bool{
		"20261123T090000Z-abcdef":        true,
		"20261123T090000Z-ABCDEF":        false,
		"../20261123T090000Z-abc":        false,
		"20261123T090000Z-abcdef\x1b[2J": false,
		"x":                              false,
	} {
		if ValidRunID(id) != want {
			t.Errorf("ValidRunID(%q) != %v", id, want)
		}
	}
}

// While a run holds the lock, its run is "running", not unfinished; the
// probe never creates the lock file.
func TestLockHeld(t *testing.T) {
	sd, _ := testState(t)
	if LockHeld(sd) {
		t.Fatal("no lock file: nothing holds it")
	}
	if _, err := os.Lstat(filepath.Join(sd.Path, LockName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("LockHeld created the lock file: %v", err)
	}
	release, err := AcquireLock(sd)
	if err != nil {
		t.Fatal(err)
	}
	if !LockHeld(sd) {
		t.Fatal("the lock is held")
	}
	runs := []RunSummary{{ID: "a", Outcome: OutcomeIncomplete, Verified: true, Command: "repair"}}
	MarkRunning(runs, LockHeld(sd))
	if runs[0].Outcome != OutcomeRunning || runs[0].Unfinished() {
		t.Fatalf("%+v", runs[0])
	}
	release()
	if LockHeld(sd) {
		t.Fatal("released")
	}
}
