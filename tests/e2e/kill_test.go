package e2e

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// exitStatus is what a parent sees of wurepair's exit code: on Windows
// all of it, elsewhere (POSIX) its low 8 bits (1618 arrives as 82).
func exitStatus(code int) int {
	if runtime.GOOS == "windows" {
		return code
	}
	return code & 0xff
}

// editMachine changes the scenario's "machine" section before any host
// reads it.
func (m *machine) editMachine(edit func(machine map[string]any)) {
	m.t.Helper()
	raw, err := os.ReadFile(m.scenario)
	if err != nil {
		m.t.Fatal(err)
	}
	var sc map[string]any
	if err := json.Unmarshal(raw, &sc); err != nil {
		m.t.Fatal(err)
	}
	edit(sc["machine"].(map[string]any))
	if raw, err = json.Marshal(sc); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(m.scenario, raw, 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// slowScript makes one script of the scenario's machine take ms
// milliseconds (the fake host sleeps: a slow machine, not a wait).
func (m *machine) slowScript(script string, ms int) {
	m.editMachine(func(machine map[string]any) {
		faults, _ := machine["faults"].(map[string]any)
		if faults == nil {
			faults = map[string]any{}
			machine["faults"] = faults
		}
		faults["slowMs"] = map[string]any{script: ms}
	})
}

// fastAgain takes the slowness off the machine as it is now.
func (m *machine) fastAgain() {
	m.t.Helper()
	mm := m.open()
	mm.State.Faults.SlowMs = nil
	if err := mm.Save(); err != nil {
		m.t.Fatal(err)
	}
}

// started is a wurepair run in the background; its stdout arrives in
// chunks as written (a progress line is printed in two parts).
type started struct {
	cmd    *exec.Cmd
	chunks chan string
	out    strings.Builder
}

func (m *machine) start(args ...string) *started {
	m.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := m.command(ctx, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		m.t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		cancel()
		m.t.Fatal(err)
	}
	s := &started{cmd: cmd, chunks: make(chan string, 100)}
	go func() {
		defer close(s.chunks)
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				s.chunks <- string(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	m.t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	return s
}

// waitFor returns once wurepair has printed text: the step has begun. A
// deadline bounds the wait.
func (s *started) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for !strings.Contains(s.out.String(), text) {
		select {
		case chunk, ok := <-s.chunks:
			if !ok {
				t.Fatalf("wurepair ended before printing %q:\n%s", text, s.out.String())
			}
			s.out.WriteString(chunk)
		case <-deadline.C:
			t.Fatalf("no %q within a minute:\n%s", text, s.out.String())
		}
	}
}

// Killing wurepair (SIGKILL: no cleanup of any kind) mid-plan, then
// `wurepair rollback`, gives back the machine as it was. While the first
// run holds the lock, a second one exits 1618 and changes nothing.
func TestKillMidPlanThenRollback(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	// The plan stops services, backs up both folders, then starts the
	// services again: the first start is slow, so the kill lands with the
	// services stopped and both folders renamed.
	m.slowScript("Start-WurService", 600_000)
	before := m.now()
	before.Faults.SlowMs = nil

	first := m.start("repair", "datastore", "--yes")
	first.waitFor(t, "[5/7] start services again")

	second := m.run("repair", "datastore", "--yes")
	if second.code != exitStatus(1618) || !strings.Contains(second.stderr, "another wurepair run") {
		t.Fatalf("a concurrent run: %v", second)
	}

	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := first.cmd.Wait(); err == nil {
		t.Fatal("wurepair survived SIGKILL")
	}
	mid := m.now()
	if service(t, mid, "wuauserv").Status != "Stopped" || len(filesUnder(mid, dataStore)) != 0 {
		t.Fatal("the kill did not land mid-plan: wuauserv running or DataStore not reset")
	}
	run := m.onlyRun()
	if run.Outcome != "incomplete" {
		t.Fatalf("the killed run: %+v", run)
	}

	m.fastAgain()
	r := m.run("rollback", "--yes")
	if r.code != 0 {
		t.Fatalf("rollback: %v", r)
	}
	sameMachine(t, "after kill and rollback", before, m.now())
	m.verified(run.ID)
	if r := m.run("detect"); r.code != 1 {
		t.Fatalf("the machine is back as it was, detect should say so: %v", r)
	}
}
