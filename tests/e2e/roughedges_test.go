package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The real binary with the real terminal check: stdin from /dev/null (what
// exec gives a child without one, and what a deployment tool gives) is not
// a person, so `repair auto` without --yes refuses at once: exit 2, one
// line, no prompt.
func TestDevNullStdinRefusesToPrompt(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	r := m.run("repair", "auto")
	if r.code != 2 || strings.Contains(r.stdout, "[y/N]") || strings.Count(r.stderr, "\n") != 1 ||
		!strings.Contains(r.stderr, "pass --yes") || !strings.Contains(r.stderr, "see `wurepair repair --help`") {
		t.Fatalf("want exit 2 and one line, no prompt: %v", r)
	}
}

// --powershell ./fakehost runs the fake host of the working directory,
// with nothing on PATH.
func TestRelativePowerShellFromWorkingDirectory(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "healthy")
	cmd := exec.Command(built.wurepair, "diagnose", "--powershell", "./"+filepath.Base(built.fakehost), "--state-dir", m.stateDir)
	cmd.Dir = filepath.Dir(built.fakehost)
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir(),
		"WUREPAIR_FAKEHOST_SCENARIO="+m.scenario, "WUREPAIR_FAKEHOST_STATE="+m.state)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	if err != nil || !strings.Contains(out.String(), "no problems found") {
		t.Fatalf("%v\n%s\n%s", err, out.String(), errb.String())
	}
}
