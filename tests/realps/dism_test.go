package realps

import (
	"testing"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// The component store scripts on real pwsh (Repair-WindowsImage doubled):
// -CheckHealth reads the flag of the last scan, -ScanHealth reads the store
// (issue 9, item 13), and every "repair source unavailable" HRESULT is
// data, not a throw.
func TestComponentStoreScripts(t *testing.T) {
	type health = scripts.ComponentHealthResult
	want := func(w health) func(*testing.T, *machine, any) {
		return func(t *testing.T, _ *machine, res any) {
			if got := *res.(*health); got != w {
				t.Errorf("got %+v, want %+v", got, w)
			}
		}
	}
	cases := map[string]struct {
		store fakehost.ComponentStore
		steps []step
	}{
		"stale flag": {
			fakehost.ComponentStore{State: "Repairable", Flag: "Healthy", RestoreHealth: "healthy"},
			[]step{
				{name: "check reads the flag", script: "Get-WurComponentHealth", typ: health{}, check: want(health{ImageHealthState: "Healthy"})},
				{name: "scan reads the store", script: "Get-WurComponentHealth", params: map[string]any{"Scan": true}, typ: health{}, check: want(health{ImageHealthState: "Repairable"})},
				{name: "check reads the scan", script: "Get-WurComponentHealth", typ: health{}, check: want(health{ImageHealthState: "Repairable"})},
			},
		},
		"0x800F0907": {
			fakehost.ComponentStore{State: "Repairable", RestoreHealth: "sourceDisallowed"},
			[]step{{name: "policy", script: "Repair-WurComponentStore", typ: health{},
				check: want(health{ImageHealthState: "Repairable", SourceMissing: true, HResult: -2146498297})}},
		},
		"0x800F0954": {
			fakehost.ComponentStore{State: "Repairable", RestoreHealth: "wsusNoContent"},
			[]step{{name: "wsus", script: "Repair-WurComponentStore", typ: health{},
				check: want(health{ImageHealthState: "Repairable", SourceMissing: true, HResult: -2146498220})}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, scenarioPath(t, "components"), func(sc *fakehost.Scenario) { sc.Machine.ComponentStore = tc.store })
			runSteps(t, newEngines(t, m, "Machine.ps1", "Windows.ps1"), tc.steps)
		})
	}
}
