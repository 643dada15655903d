package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 9 items 2, 11 and 12 as the admin sees them: exit code and message.

// alter rewrites the machine's scenario before its first run.
func (m *machine) alter(change func(*fakehost.Scenario)) {
	m.t.Helper()
	sc, err := fakehost.LoadScenario(m.scenario)
	if err != nil {
		m.t.Fatal(err)
	}
	change(sc)
	raw, err := json.Marshal(sc)
	if err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(m.scenario, raw, 0o644); err != nil {
		m.t.Fatal(err)
	}
}

func TestServiceRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, behavior string
		mention        []string
	}{
		// A protected service: access denied even to SYSTEM. Waiting longer
		// changes nothing, so the message is not "did not stop within".
		{"protected", "protected", []string{"wuauserv could not stop", "protected service", "Win32 error 5", "rolled back"}},
		{"cannot accept control", "cannotAcceptControl", []string{"wuauserv could not stop", "cannot accept control", "Win32 error 1061", "rolled back"}},
		{"no response", "ignoresStop", []string{"wuauserv could not stop", "did not respond", "Win32 error 1053", "rolled back"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			m.alter(func(sc *fakehost.Scenario) { sc.Machine.Services["wuauserv"].StopBehavior = tc.behavior })
			before := m.now()
			r := m.run("repair", "datastore", "--yes")
			if r.code != 1 {
				t.Fatalf("want exit 1: %v", r)
			}
			out := r.stdout + r.stderr
			for _, s := range tc.mention {
				if !strings.Contains(out, s) {
					t.Fatalf("the output does not say %q: %v", s, r)
				}
			}
			if strings.Contains(out, "did not stop within") {
				t.Fatalf("a refusal reported as a timeout: %v", r)
			}
			sameMachine(t, "after the rollback", before, m.now())
		})
	}
}

// --service-timeout at its maximum: a service that hangs in StopPending is
// waited for the whole hour (simulated time) and reported as such; the
// script is never stopped at the manifest's 3 minutes nor the host killed.
func TestServiceTimeoutMaximum(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "stuck-stoppending")
	r := m.run("repair", "datastore", "--yes", "--service-timeout", "3600")
	out := r.stdout + r.stderr
	if r.code != 3 || !strings.Contains(out, "wuauserv did not stop within 3600s") {
		t.Fatalf("want exit 3 and the hour waited: %v", r)
	}
	if strings.Contains(out, "did not finish within") || strings.Contains(out, "timed out") {
		t.Fatalf("the script was stopped before the service timeout: %v", r)
	}
}

// A hung WMI: diagnose says so (info), and the repair still runs on the
// Service Control Manager's data.
func TestHungWMI(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	m.alter(func(sc *fakehost.Scenario) { sc.Machine.Faults.WMI = "hung" })
	d := m.run("diagnose")
	if !strings.Contains(d.stdout, "WMI did not answer") || !strings.Contains(d.stdout, "0x80041032") {
		t.Fatalf("diagnose does not report the hung WMI: %v", d)
	}
	if r := m.run("repair", "datastore", "--yes"); r.code != 0 {
		t.Fatalf("the repair should go on without WMI: %v", r)
	}
	if run := m.onlyRun(); run.Outcome != "success" {
		t.Fatalf("%+v", run)
	}
}
