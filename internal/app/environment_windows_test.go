//go:build windows

package app

import (
	"path/filepath"
	"strings"
	"testing"
)

// Windows: the default state directory is under the ProgramData folder
// Windows registers (known-folder API), never %ProgramData%.
func TestWindowsStateDirFromKnownFolder(t *testing.T) {
	want, err := knownProgramData()
	if err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(t.TempDir(), "evil")
	d, c := envContext(t, Env{Getenv: func(k string) string {
		if strings.EqualFold(k, "ProgramData") {
			return evil
		}
		return ""
	}, ProgramData: knownProgramData}, false)
	dir, err := d.stateDir(c)
	if err != nil || dir != filepath.Join(want, "wurepair") {
		t.Fatalf("state dir %q, %v; want %s", dir, err, filepath.Join(want, "wurepair"))
	}
}

// Windows: the journaled account and computer come from the token and the
// OS, not from %USERNAME%/%COMPUTERNAME%.
func TestWindowsIdentityFromToken(t *testing.T) {
	user, machine, err := processIdentity()
	if err != nil || !strings.Contains(user, `\`) || machine == "" {
		t.Fatalf("%q %q %v", user, machine, err)
	}
}
