package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/internal/testpwsh"
)

// realPwsh finds pwsh (internal/testpwsh); missing, a loud skip, or a
// failure in CI.
func realPwsh(t *testing.T) string {
	t.Helper()
	return testpwsh.Find(t, "the real binary's selftest against real PowerShell")
}

// The real binary's selftest against real PowerShell, both ways of naming
// it: --pwsh (PATH) and --powershell with its path.
func TestSelftestAgainstRealPwsh(t *testing.T) {
	pwsh := realPwsh(t)
	for name, args := range map[string][]string{
		"--pwsh":       {"selftest", "--pwsh"},
		"--powershell": {"selftest", "--powershell", pwsh},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, built.wurepair, args...)
			cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(pwsh)+string(os.PathListSeparator)+os.Getenv("PATH"))
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			out := stdout.String()
			if err != nil || !strings.Contains(out, "round trip: 10/10 strings byte-exact") || !strings.Contains(out, "selftest: ok") ||
				!strings.Contains(out, "PowerShell "+"7.") || !strings.Contains(out, "Core, FullLanguage") {
				t.Fatalf("selftest %v: %v\n--- stdout ---\n%s--- stderr ---\n%s", args, err, out, stderr.String())
			}
			if !strings.Contains(out, "PowerShell: "+pwsh) {
				t.Fatalf("selftest did not name the absolute path of the host it ran:\n%s", out)
			}
		})
	}
}

// Issue 18, measured: through real pwsh on Linux every Windows probe
// fails. That is "cannot tell", never "healthy": detect exits 1 naming the
// failed probes, diagnose -o json says outcome unknown (exit 10), and
// repair refuses with exit 10, nothing changed.
func TestRealPwshCannotTell(t *testing.T) {
	pwsh := realPwsh(t)
	state := t.TempDir()
	run := func(args ...string) (string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, built.wurepair, append(args, "--powershell", pwsh, "--state-dir", state, "--log-file", "none")...)
		var stdout strings.Builder
		cmd.Stdout = &stdout
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return stdout.String(), code
	}
	if out, code := run("detect"); code != 1 || !strings.HasPrefix(out, "cannot tell: probes failed: ") {
		t.Fatalf("detect through pwsh on Linux: exit %d, %q", code, out)
	}
	if out, code := run("diagnose", "--output", "json"); code != 10 || !strings.Contains(out, `"outcome": "unknown"`) {
		t.Fatalf("diagnose: exit %d\n%s", code, out)
	}
}
