package realps

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// EnvRequirePwsh makes a missing pwsh a failure (CI), not a skip.
const EnvRequirePwsh = "WUREPAIR_REQUIRE_PWSH"

// findPwsh finds real PowerShell: PATH first, then the .NET global tool
// at $HOME/.dotnet/tools/pwsh. Not found: the test is skipped loudly, or
// fails when WUREPAIR_REQUIRE_PWSH=1.
func findPwsh(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("pwsh"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".dotnet", "tools", "pwsh")
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	const why = "NOT RUN: real PowerShell (pwsh) not found on PATH nor at $HOME/.dotnet/tools/pwsh; " +
		"install it with `dotnet tool install --global PowerShell --version 7.6.9`"
	if os.Getenv(EnvRequirePwsh) == "1" {
		t.Fatal(why + " (" + EnvRequirePwsh + "=1)")
	}
	t.Skip(why)
	return ""
}
