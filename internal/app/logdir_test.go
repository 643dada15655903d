//go:build linux

package app

import (
	"os"
	"path/filepath"
	"testing"
)

// The default log file must not be what creates the state directory with
// ordinary permissions: on Windows a folder made with MkdirAll under
// %ProgramData% inherits "Users may create files", and every later run
// would refuse the state directory as untrusted. On Linux the trusted
// creation is visible as mode 0700 (MkdirAll would give 0750).
func TestDefaultLogCreatesTheStateDirTrusted(t *testing.T) {
	flags, stateDir := simulated(t, "healthy")
	if _, err := os.Stat(stateDir); !os.IsNotExist(err) {
		t.Fatalf("state dir exists before the run: %v", err)
	}
	if _, errOut, code := runApp(t, append([]string{"diagnose"}, flags...)...); code != ExitOK {
		t.Fatalf("diagnose: exit %d, stderr %q", code, errOut)
	}
	for _, dir := range []string{stateDir, filepath.Join(stateDir, logDirName)} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o700 {
			t.Errorf("%s: mode %o, want 0700 (made by the trusted state directory, not MkdirAll)", dir, perm)
		}
	}
	fi, err := os.Stat(defaultLogPath(stateDir))
	if err != nil {
		t.Fatalf("no default log file: %v", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("log file mode %o: readable or writable by others", perm)
	}
}
