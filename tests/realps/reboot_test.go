package realps

import (
	"reflect"
	"testing"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 9 item 19: PendingFileRenameOperations alone (antivirus and
// drivers set it) is not a required reboot; CBS RebootPending and WU
// RebootRequired are. Issue 15: every servicing reason is reported, in
// order, and each but the rename queues means a reboot is required.
func TestPendingRebootReasons(t *testing.T) {
	cases := []struct {
		name    string
		reasons []string
		want    bool
	}{
		{"file renames only", []string{"PendingFileRename"}, false},
		{"both rename queues", []string{"PendingFileRename", "PendingFileRename2"}, false},
		{"CBS", []string{"CBSRebootPending", "PendingFileRename"}, true},
		{"CBS reboot in progress", []string{"CBSRebootInProgress"}, true},
		{"CBS packages pending", []string{"CBSPackagesPending"}, true},
		{"WinSxS pending.xml", []string{"PendingXml"}, true},
		{"Windows Update", []string{"WURebootRequired"}, true},
		{"Windows Update services pending", []string{"WUServicesPending"}, true},
		{"UpdateExeVolatile", []string{"UpdateExeVolatile"}, true},
		{"every reason", []string{"CBSRebootPending", "CBSRebootInProgress", "CBSPackagesPending", "PendingXml", "WURebootRequired",
			"WUServicesPending", "UpdateExeVolatile", "PendingFileRename", "PendingFileRename2"}, true},
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
						if r.RebootPending != tc.want || !reflect.DeepEqual(r.Reasons, append([]string{}, tc.reasons...)) {
							t.Errorf("reasons %v: got %+v, want RebootPending=%v", tc.reasons, r, tc.want)
						}
					}},
			})
		})
	}
}
