package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 20 item 13: a service disabled by policy (a GPO "System Services"
// setting, or the Windows Update policies under
// HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate that admins pair
// with it) is the administrator's decision. diagnose reports it; no
// command changes its start type or starts it, whatever plan runs, and no
// run journals a start-type change for it.
func TestPolicyDisabledServiceReportedNeverChanged(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"repair", "auto", "--yes"},
		{"repair", "datastore", "--yes"},
		{"repair", "reset", "--yes"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			m.alter(func(sc *fakehost.Scenario) {
				wu := sc.Machine.Services["wuauserv"]
				wu.Status, wu.ProcessID, wu.StartType = "Stopped", 0, "Disabled"
			})
			d := m.run("diagnose", "--output", "json")
			var diag struct {
				Findings []struct{ ID, Title, Advice string }
			}
			if err := json.Unmarshal([]byte(d.stdout), &diag); err != nil {
				t.Fatalf("diagnose: %v %v", err, d)
			}
			reported := false
			for _, f := range diag.Findings {
				reported = reported || f.ID == "service-disabled" && strings.Contains(f.Title, "wuauserv") && strings.Contains(f.Advice, "policy")
			}
			if !reported {
				t.Fatalf("the disabled wuauserv is not reported (naming policy): %v", d)
			}
			r := m.run(args...)
			wu := service(t, m.now(), "wuauserv")
			if wu.StartType != "Disabled" || wu.Status != "Stopped" {
				t.Fatalf("%v changed the disabled wuauserv: %+v (exit %d)\n%v", args, wu, r.code, r)
			}
			if r.code == 0 || r.code == 1 || r.code == 3 {
				show := m.runs("runs", "show", m.onlyRun().ID)
				for _, line := range strings.Split(show.stdout, "\n") {
					if strings.Contains(line, "wuauserv") && (strings.Contains(line, "start-type") || strings.Contains(line, "service-start")) {
						t.Fatalf("the run journaled a change of the disabled wuauserv: %q\n%v", line, show)
					}
				}
			}
		})
	}
}
