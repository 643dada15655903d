package e2e

import (
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 20 item 3: wuauserv is a trigger-start service and is Stopped most
// of the time on Windows 10/11. The update history export reaches it
// through COM (GetTotalHistoryCount), which starts it. The plan puts it
// back as it was right after the export, so the stop step finds it Stopped
// (nothing journaled), the services step does not start it, and neither the
// repair nor its rollback leaves running a service that was stopped.
func TestHistoryExportLeavesStoppedWuauservStopped(t *testing.T) {
	t.Parallel()
	for _, plan := range []string{"datastore", "reset"} {
		t.Run(plan, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			m.alter(func(sc *fakehost.Scenario) {
				wu := sc.Machine.Services["wuauserv"]
				wu.Status, wu.ProcessID = "Stopped", 0
			})
			before := m.now()
			r := m.run("repair", plan, "--yes")
			if r.code != 0 {
				t.Fatalf("repair %s: %v", plan, r)
			}
			run := m.onlyRun()
			show := m.runs("runs", "show", run.ID)
			if strings.Contains(show.stdout, "service-stop wuauserv") || strings.Contains(show.stdout, "service-start wuauserv") {
				t.Fatalf("wuauserv was journaled as stopped or started by the run although it was Stopped before:\n%v", show)
			}
			if !strings.Contains(show.stdout, "the history export started wuauserv") {
				t.Fatalf("the journal does not say the export started wuauserv and it was put back:\n%v", show)
			}
			if s := service(t, m.now(), "wuauserv"); s.Status != "Stopped" {
				t.Fatalf("wuauserv after the repair: %+v (it was Stopped)", s)
			}
			if r := m.run("rollback", run.ID, "--yes"); r.code != 0 {
				t.Fatalf("rollback: %v", r)
			}
			after := m.now()
			for _, name := range []string{"wuauserv", "BITS", "UsoSvc", "CryptSvc", "DoSvc"} {
				if b, a := service(t, before, name), service(t, after, name); a.Status != b.Status || a.StartType != b.StartType {
					t.Fatalf("%s after the rollback: %+v, before: %+v", name, a, b)
				}
			}
		})
	}
}
