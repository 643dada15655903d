package realps

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// A regsvr32 that never exits (issue 20 item 9): Register-WurDll, on real
// pwsh through the real bootstrap (native-stdin guard in place), starts it
// with Process.Start, waits TimeoutSec in slices, then kills it and the
// child it started and reports TimedOut, as the fake host does. The double
// runs a real /bin/sh that starts `sleep 600` and waits for it; both PIDs
// must be gone when the result is back.
func TestRegsvr32Timeout(t *testing.T) {
	t.Parallel()
	m := newMachine(t, scenarioPath(t, "kb943144"), func(sc *fakehost.Scenario) {
		sc.Machine.DLLs[sys32+`\wups2.dll`].Regsvr32Hangs = true
	})
	e := newEngines(t, m, "Machine.ps1", "DotNet.ps1", "Windows.ps1")
	steps := []step{
		{name: "register hangs", script: "Register-WurDll", params: map[string]any{"Path": sys32 + `\wups2.dll`, "TimeoutSec": 2}, typ: scripts.RegisterDllResult{},
			check: func(t *testing.T, m *machine, res any) {
				r := res.(*scripts.RegisterDllResult)
				if !r.TimedOut || r.ExitCode != -1 || !r.Exists {
					t.Errorf("%+v", r)
				}
			}},
		// The next registration in the same session runs normally.
		{name: "register 32", script: "Register-WurDll", params: map[string]any{"Path": wow64 + `\wups2.dll`}, typ: scripts.RegisterDllResult{},
			check: func(t *testing.T, m *machine, res any) {
				if r := res.(*scripts.RegisterDllResult); r.TimedOut || r.ExitCode != 0 {
					t.Errorf("%+v", r)
				}
			}},
	}
	runSteps(t, e, steps[:1])
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(m.root), "regsvr32.pids"))
	if err != nil {
		t.Fatalf("the regsvr32 double did not run: %v", err)
	}
	fields := strings.Fields(string(raw))
	if len(fields) != 2 {
		t.Fatalf("regsvr32.pids: %q", raw)
	}
	for i, f := range fields {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		if !exitsWithin(t, pid, 10_000) {
			_ = unix.Kill(pid, unix.SIGKILL)
			t.Errorf("%s (pid %d) still runs after Register-WurDll timed out: the tree was not killed", []string{"regsvr32", "its child"}[i], pid)
		}
	}
	runSteps(t, e, steps[1:])
}

// exitsWithin waits (pidfd, poll) up to ms milliseconds for pid to exit.
// A pid that no longer exists has exited.
func exitsWithin(t *testing.T, pid, ms int) bool {
	t.Helper()
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		return true
	}
	if err != nil {
		t.Fatalf("pidfd_open %d: %v", pid, err)
	}
	defer unix.Close(fd)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		n, err := unix.Poll(fds, ms)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			t.Fatalf("poll pidfd %d: %v", pid, err)
		}
		return n > 0
	}
}
