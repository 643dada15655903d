//go:build windows

package ps

import (
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/windows"
)

// That the host and its children run inside the job and die with it is
// shown under Wine by tests/wine/smoke.sh (a spawner host with a child and
// a grandchild, all gone after the startup timeout).

// A process that cannot be put in a job is an error, never a host that
// runs without one (it could outlive wurepair and leave children behind).
func TestJoinGroupFailureIsAnError(t *testing.T) {
	sys, err := windows.GetSystemDirectory()
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(filepath.Join(sys, "cmd.exe"), "/d", "/c", "exit 0")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if g, err := joinGroup(c.Process); err == nil {
		g.close()
		t.Fatal("joinGroup of a process that is gone succeeded")
	}
}
