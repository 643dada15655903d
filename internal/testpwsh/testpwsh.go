// Package testpwsh finds real PowerShell 7 (pwsh) for the tests that run
// the real engine, with one rule for all of them: PATH first, then the .NET
// global tool at ~/.dotnet/tools/pwsh. Missing, the test skips with a loud
// reason, or fails when WUREPAIR_REQUIRE_PWSH=1 (CI sets it, so a machine
// without pwsh can never pass CI by skipping).
package testpwsh

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// EnvRequire set to 1 turns "pwsh not found" from a skip into a failure.
const EnvRequire = "WUREPAIR_REQUIRE_PWSH"

// Lookup returns pwsh's absolute path, or an error saying where it looked.
func Lookup() (string, error) {
	if p, err := exec.LookPath("pwsh"); err == nil {
		return filepath.Abs(p)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("pwsh not on PATH, and no home folder to look in: %w", err)
	}
	p := filepath.Join(home, ".dotnet", "tools", "pwsh")
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("pwsh not on PATH nor at %s: %w", p, err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", p)
	}
	return p, nil
}

// Find returns pwsh for t, or skips t saying what was NOT tested (notRun),
// or fails t when EnvRequire=1.
func Find(t testing.TB, notRun string) string {
	t.Helper()
	p, err := Lookup()
	if err == nil {
		return p
	}
	msg := fmt.Sprintf("REAL POWERSHELL NOT TESTED: %s: %v; install it with `dotnet tool install --global PowerShell --version 7.6.9`", notRun, err)
	if os.Getenv(EnvRequire) == "1" {
		t.Fatal(msg + " (" + EnvRequire + "=1)")
	}
	t.Skip(msg)
	return ""
}
