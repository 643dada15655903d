package app

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// fakehostExe is tests/fakehost built once by TestMain: the simulated
// Windows machine in-process tests run commands against.
var fakehostExe string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "wurepair-app-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		// WUREPAIR_TEST_FAKEHOST: a fake host built beforehand (the test
		// binary cross-built for Windows and run under Wine, where there
		// is no go command).
		if fakehostExe = os.Getenv("WUREPAIR_TEST_FAKEHOST"); fakehostExe != "" {
			return m.Run()
		}
		fakehostExe = filepath.Join(dir, "fakehost")
		if runtime.GOOS == "windows" {
			fakehostExe += ".exe"
		}
		cmd := exec.Command("go", "build", "-o", fakehostExe, "../../tests/fakehost/cmd/fakehost")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build fakehost:", err)
			return 1
		}
		return m.Run()
	}())
}

// simulated points the fake host at a copy of tests/scenarios/<name>.json
// whose machine persists across host processes, and returns the flags
// that run a command against it with its own state directory.
// edits change the scenario's machine first.
func simulated(t *testing.T, name string, edits ...func(machine map[string]any)) (flags []string, stateDir string) {
	t.Helper()
	dir := t.TempDir()
	raw, err := os.ReadFile(filepath.Join("..", "..", "tests", "scenarios", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) > 0 {
		var sc map[string]any
		if err := json.Unmarshal(raw, &sc); err != nil {
			t.Fatal(err)
		}
		for _, edit := range edits {
			edit(sc["machine"].(map[string]any))
		}
		if raw, err = json.Marshal(sc); err != nil {
			t.Fatal(err)
		}
	}
	scenario := filepath.Join(dir, "scenario.json")
	if err := os.WriteFile(scenario, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WUREPAIR_FAKEHOST_SCENARIO", scenario)
	t.Setenv("WUREPAIR_FAKEHOST_STATE", filepath.Join(dir, "machine.json"))
	stateDir = filepath.Join(dir, "state")
	return []string{"--powershell", fakehostExe, "--state-dir", stateDir}, stateDir
}
