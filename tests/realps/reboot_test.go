package realps

import (
	"testing"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 9 item 19: PendingFileRenameOperations alone (antivirus and
// drivers set it) is not a required reboot; CBS RebootPending and WU
// RebootRequired are. The script used to say RebootPending for any reason.
func TestPendingRebootReasons(t *testing.T) {
	cases := []struct {
		name    string
		reasons []string
		want    bool
	}{
		{"file renames only", []string{"PendingFileRename"}, false},
		{"CBS", []string{"CBSRebootPending", "PendingFileRename"}, true},
		{"Windows Update", []string{"WURebootRequired"}, true},
		{"none", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, scenarioPath(t, "healthy"), func(sc *fakehost.Scenario) { sc.Machine.PendingReboot = tc.reasons })
			runSteps(t, newEngines(t, m, "Machine.ps1", "DotNet.ps1"), []step{
				{name: "reboot", script: "Get-WurPendingReboot", typ: scripts.PendingRebootResult{},
					check: func(t *testing.T, _ *machine, res any) {
						r := res.(*scripts.PendingRebootResult)
						if r.RebootPending != tc.want || len(r.Reasons) != len(tc.reasons) {
							t.Errorf("reasons %v: got %+v, want RebootPending=%v", tc.reasons, r, tc.want)
						}
					}},
			})
		})
	}
}
