//go:build linux

package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Issue 19, item 1: the log file was checked, then opened by path; an
// attacker swapping it for a symbolic link in between made wurepair (as
// root) append its log to a root-owned file of their choosing. Here the
// swap runs flat out in a goroutine while the log is opened, written and
// rotated again and again: the target never receives a byte, because the
// file is opened without following links and checked on the handle. (The
// folder here is the test's own, which the checks accept: the attacker in
// the issue had write access to the folder through a lax ACL, which
// TestLogFolderOthersMayWriteRefused refuses outright.)
func TestLogFileSymlinkSwapRace(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "root-owned")
	if err := os.WriteFile(target, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "wurepair.log")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the attacker
		defer wg.Done()
		tmp := filepath.Join(dir, "swap")
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = os.Symlink(target, tmp)
			_ = os.Rename(tmp, path) // the log's name now points at the target
			_ = os.Remove(path)      // and is a plain file again at the next open
		}
	}()
	opened := 0
	for i := 0; i < 3000; i++ {
		r, err := openRotatingFile(path, 64, 2)
		if err != nil {
			continue // refused: the link was there at the open
		}
		opened++
		_, _ = r.Write([]byte(strings.Repeat("x", 40) + "\n"))
		_, _ = r.Write([]byte(strings.Repeat("y", 40) + "\n")) // rotates
		r.Close()
	}
	close(stop)
	wg.Wait()
	if b, err := os.ReadFile(target); err != nil || string(b) != "precious\n" {
		t.Fatalf("the link's target was written: %q, %v", b, err)
	}
	if opened == 0 {
		t.Fatal("the log never opened: the race was not run")
	}
}

// A log folder other users may write is refused, whatever the file: in
// it anyone could plant, swap or hard-link the log's name.
func TestLogFolderOthersMayWriteRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o777, 0o1777, 0o770} {
		dir := filepath.Join(t.TempDir(), "logs")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		r, err := openRotatingFile(filepath.Join(dir, "wurepair.log"), 100, 2)
		if err == nil {
			r.Close()
			t.Fatalf("mode %o: a log folder others may write was accepted", mode)
		}
		if !strings.Contains(err.Error(), "log refused") || !strings.Contains(err.Error(), "can write it") {
			t.Fatalf("mode %o: %v", mode, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "wurepair.log")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("mode %o: the log was created anyway", mode)
		}
	}
}

// A hard link at the log's name (another file's other name) is refused,
// and a link planted at a rotated file's name is replaced by the rotation,
// never followed.
func TestLogHardLinkAndRotatedLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious")
	if err := os.WriteFile(target, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(target, filepath.Join(logs, "wurepair.log")); err != nil {
		t.Fatal(err)
	}
	if r, err := openRotatingFile(filepath.Join(logs, "wurepair.log"), 100, 2); err == nil {
		r.Close()
		t.Fatal("a hard-linked log file was accepted")
	}
	if err := os.Remove(filepath.Join(logs, "wurepair.log")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"wurepair.1.log", "wurepair.2.log"} {
		if err := os.Symlink(target, filepath.Join(logs, name)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := openRotatingFile(filepath.Join(logs, "wurepair.log"), 50, 2)
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		if _, err := r.Write([]byte(strings.Repeat("z", 30) + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	if b, _ := os.ReadFile(target); string(b) != "precious\n" {
		t.Fatalf("the target of a planted rotated name was written: %q", b)
	}
	if fi, err := os.Lstat(filepath.Join(logs, "wurepair.2.log")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("wurepair.2.log should be a rotated log now: %v", err)
	}
}
