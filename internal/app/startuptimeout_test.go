package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// --startup-timeout bounds how long a host that never answers is waited
// for: a hanging host is given up on (exit 4, saying so) after the given
// time, not after the 3-minute default.
func TestStartupTimeoutFlag(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "tests", "scenarios", "healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sc map[string]any
	if err := json.Unmarshal(raw, &sc); err != nil {
		t.Fatal(err)
	}
	sc["faults"] = map[string]any{"hangForever": true}
	if raw, err = json.Marshal(sc); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	scenario := filepath.Join(dir, "hang.json")
	if err := os.WriteFile(scenario, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WUREPAIR_FAKEHOST_SCENARIO", scenario)
	t.Setenv("WUREPAIR_FAKEHOST_STATE", filepath.Join(dir, "machine.json"))

	_, errOut, code := runApp(t, "selftest", "--startup-timeout", "1s", "--powershell", fakehostExe)
	if code != ExitHost || !strings.Contains(errOut, "did not finish within 1s") {
		t.Fatalf("exit %d, stderr %q; want 4 naming the 1s startup budget", code, errOut)
	}

	for _, bad := range []time.Duration{0, 500 * time.Millisecond, 2 * time.Hour} {
		_, errOut, code := runApp(t, "selftest", "--startup-timeout", bad.String(), "--powershell", fakehostExe)
		if code != ExitUsage || !strings.Contains(errOut, "--startup-timeout") {
			t.Fatalf("--startup-timeout %s: exit %d, stderr %q; want a usage error", bad, code, errOut)
		}
	}
}
