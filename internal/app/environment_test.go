package app

import (
	"flag"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/ps"
)

// envContext is a command's context with only the given flags set.
func envContext(t *testing.T, env Env, trust bool) (*deps, *cli.Context) {
	t.Helper()
	env.fill()
	set := flag.NewFlagSet("test", flag.ContinueOnError)
	set.Bool(trustEnvFlag, trust, "")
	return &deps{env: env}, cli.NewContext(New(env), set, nil)
}

// Issue 19, item 6: an elevated wurepair's environment can be set by the
// same user's unelevated processes, so when elevated it ignores
// $WUREPAIR_STATE_DIR and $WUREPAIR_POWERSHELL (naming each on stderr)
// unless --trust-env; not elevated, it honours them as before.
func TestElevatedIgnoresTestEnvironment(t *testing.T) {
	planted := filepath.Join(t.TempDir(), "planted")
	vars := map[string]string{envStateDir: planted, ps.EnvVar: "/tmp/evil-powershell", "OTHER": "kept"}
	getenv := func(k string) string { return vars[k] }
	for _, tc := range []struct {
		name            string
		elevated, trust bool
		honoured        bool
	}{
		{"not elevated", false, false, true},
		{"elevated", true, false, false},
		{"elevated, --trust-env", true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			d, c := envContext(t, Env{Getenv: getenv, Elevated: func() bool { return tc.elevated }, Stderr: &stderr}, tc.trust)
			dir, err := d.stateDir(c)
			if err != nil {
				t.Fatal(err)
			}
			if got := dir == planted; got != tc.honoured {
				t.Errorf("state dir %s (honoured %v, want %v)", dir, got, tc.honoured)
			}
			if got := d.getenv(c)(ps.EnvVar) != ""; got != tc.honoured {
				t.Errorf("$%s honoured %v, want %v", ps.EnvVar, got, tc.honoured)
			}
			if d.getenv(c)("OTHER") != "kept" {
				t.Error("a variable that is not a test variable was dropped")
			}
			warned := strings.Contains(stderr.String(), "ignoring $"+envStateDir) && strings.Contains(stderr.String(), "ignoring $"+ps.EnvVar)
			if warned == tc.honoured || strings.Count(stderr.String(), "ignoring $"+envStateDir) > 1 {
				t.Errorf("stderr %q", stderr.String())
			}
		})
	}
}

// End to end in-process: elevated, $WUREPAIR_POWERSHELL pointing at a
// (fake) PowerShell is not run; with --trust-env it is.
func TestElevatedDoesNotRunPowerShellFromEnvironment(t *testing.T) {
	flags, stateDir := simulated(t, "healthy")
	_ = flags
	getenv := func(k string) string {
		switch k {
		case ps.EnvVar:
			return fakehostExe
		case envStateDir:
			return stateDir
		}
		return ""
	}
	elevated := func() bool { return true }
	out, errOut, code := runEnv(t, Env{Getenv: getenv, Elevated: elevated}, "diagnose", "--state-dir", stateDir)
	if runtime.GOOS != "windows" && (code != ExitHost || !strings.Contains(errOut, "ignoring $"+ps.EnvVar)) {
		t.Fatalf("elevated: the environment's PowerShell ran: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = runEnv(t, Env{Getenv: getenv, Elevated: elevated}, "diagnose", "--trust-env")
	if code != ExitOK || strings.Contains(errOut, "ignoring") {
		t.Fatalf("--trust-env: exit %d\n%s\n%s", code, out, errOut)
	}
}
