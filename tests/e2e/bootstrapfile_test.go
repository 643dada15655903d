package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --bootstrap-delivery file: the session script is written to
// <state dir>/bootstrap (a folder only wurepair's owners can write), named
// after its digest, reused by the next run, and run with -File; diagnose
// and a repair work through it as they do with the base64 line.
func TestBootstrapFileDelivery(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "components")
	r := m.run("diagnose", "--bootstrap-delivery", "file")
	if r.code != 1 || !strings.Contains(r.stdout, "component") {
		t.Fatalf("diagnose through the -File bootstrap: %v", r)
	}
	files, err := filepath.Glob(filepath.Join(m.stateDir, "bootstrap", "wurepair-bootstrap-*.ps1"))
	if err != nil || len(files) != 1 {
		t.Fatalf("bootstrap files %v %v", files, err)
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.Stat(filepath.Dir(files[0]))
	if err != nil || dir.Mode().Perm()&0o022 != 0 || fi.Mode().Perm()&0o022 != 0 {
		t.Fatalf("bootstrap folder %v / file %v writable by others", dir.Mode(), fi.Mode())
	}
	if r := m.run("repair", "components", "--yes", "--bootstrap-delivery", "file"); r.code != 0 {
		t.Fatalf("repair through the -File bootstrap: %v", r)
	}
	if again, _ := filepath.Glob(filepath.Join(m.stateDir, "bootstrap", "*")); len(again) != 1 {
		t.Fatalf("the bootstrap file was not reused: %v", again)
	}
	// A file that does not hold the embedded bootstrap is rewritten.
	if err := os.WriteFile(files[0], []byte("Write-Output 'not ours'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := m.run("diagnose", "--bootstrap-delivery", "file"); r.code != 0 || strings.Contains(r.stdout+r.stderr, "not ours") {
		t.Fatalf("diagnose after the bootstrap file was changed: %v", r)
	}
	if r := m.run("diagnose", "--bootstrap-delivery", "floppy"); r.code != 2 {
		t.Fatalf("an unknown delivery must be a usage error: %v", r)
	}
}
