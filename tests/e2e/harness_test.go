// Package e2e runs the real wurepair binary against the fake PowerShell
// host and simulated machines (tests/scenarios), and checks both what it
// prints and what it leaves on the simulated machine.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/wurepair/wurepair/internal/golden"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// bins holds the binaries built once for the whole run.
type bins struct{ wurepair, fakehost string }

var built bins // set once in TestMain, read-only afterwards

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "wurepair-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		built = bins{wurepair: filepath.Join(dir, "wurepair"), fakehost: filepath.Join(dir, "fakehost")}
		for pkg, out := range map[string]string{"../../cmd/wurepair": built.wurepair, "../../tests/fakehost/cmd/fakehost": built.fakehost} {
			cmd := exec.Command("go", "build", "-race", "-o", out, pkg)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintln(os.Stderr, "build", pkg, err)
				return 1
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

// machine is one simulated Windows machine with its own state file and
// wurepair state directory.
type machine struct {
	t        *testing.T
	dir      string
	scenario string // copy of tests/scenarios/<name>.json
	state    string // the fake host persists the machine here
	stateDir string // wurepair's journals and lock
}

func newMachine(t *testing.T, name string) *machine {
	t.Helper()
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join("..", "scenarios", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m := &machine{t: t, dir: dir, scenario: filepath.Join(dir, "scenario.json"), state: filepath.Join(dir, "machine.json"), stateDir: filepath.Join(dir, "wurepair")}
	if err := os.WriteFile(m.scenario, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout ---\n%s--- stderr ---\n%s", r.code, r.stdout, r.stderr)
}

// command prepares wurepair with this machine's fake host. Commands that
// take a state directory get it.
func (m *machine) command(ctx context.Context, args ...string) *exec.Cmd {
	full := append([]string{}, args...)
	full = append(full, "--powershell", built.fakehost)
	if takesStateDir(args) {
		full = append(full, "--state-dir", m.stateDir)
	}
	cmd := exec.CommandContext(ctx, built.wurepair, full...)
	cmd.Env = append(os.Environ(),
		"WUREPAIR_FAKEHOST_SCENARIO="+m.scenario,
		"WUREPAIR_FAKEHOST_STATE="+m.state,
		"WUREPAIR_STATE_DIR="+m.stateDir, // commands without --state-dir (their default log file)
		"USERNAME=e2e", "USERDOMAIN=WURTEST", "COMPUTERNAME=SIMULATED")
	return cmd
}

func takesStateDir(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0] {
	case "repair", "rollback", "diagnose", "detect":
		return true
	case "backups":
		return len(args) > 1 && args[1] == "prune"
	}
	return false
}

// run runs wurepair to completion (bounded: a hang fails the test).
func (m *machine) run(args ...string) result {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := m.command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		m.t.Fatalf("wurepair %v: %v", args, err)
	}
	if ctx.Err() != nil {
		m.t.Fatalf("wurepair %v did not finish in time", args)
	}
	return result{out.String(), errb.String(), code}
}

// runs lists wurepair's state-dir runs (no PowerShell needed).
func (m *machine) runs(args ...string) result {
	m.t.Helper()
	cmd := exec.Command(built.wurepair, append(args, "--state-dir", m.stateDir)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

// stateBytes is the machine as the fake host last saved it ("" if it never
// changed anything).
func (m *machine) stateBytes() string {
	raw, err := os.ReadFile(m.state)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		m.t.Fatal(err)
	}
	return string(raw)
}

// Golden output: volatile values (run ids, times, durations, pids, temp
// paths) are replaced by placeholders before comparing.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{8}T\d{6}Z-[0-9a-f]{6}`), "<RUNID>"},
	{regexp.MustCompile(`\(\d+\.\ds\)`), "(<DUR>)"},
	{regexp.MustCompile(`"durationMs": \d+`), `"durationMs": 0`},
	{regexp.MustCompile(`"pid": \d+`), `"pid": 0`},
	{regexp.MustCompile(`/tmp/[^\s"]+/wurepair/runs`), "<STATEDIR>/runs"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`), "<TIME>"},
}

func normalize(s string) string {
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	got = normalize(got)
	golden.Check(t, "./tests/e2e", name, got, *update)
}
