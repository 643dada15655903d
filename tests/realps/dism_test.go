package realps

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wurepair/wurepair/ps"
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

// A repair that takes a while reports its progress through the real
// script: Repair-WindowsImage's records reach the request's Progress
// stream ($ProgressPreference Continue in the script), the real bootstrap
// sends them as progress frames, and Go hears them while the script runs;
// the fake host sends the same by default.
func TestComponentRepairProgress(t *testing.T) {
	m := newMachine(t, scenarioPath(t, "components"), func(sc *fakehost.Scenario) {
		// 7 records, 1 s apart: the bootstrap polls once a second.
		sc.Machine.Faults.SlowMs = map[string]int{"Repair-WurComponentStore": 7700}
	})
	e := newEngines(t, m, "Machine.ps1", "Windows.ps1")
	sc, _ := e.cat.Get("Repair-WurComponentStore")
	for name, s := range map[string]*ps.Session{"real": e.real, "fake": e.fake} {
		var seen []int
		var mu sync.Mutex
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		res, err := s.Invoke(ctx, ps.Request{Name: sc.Name, Script: sc.Text, Params: map[string]any{}, Timeout: time.Minute,
			Inactivity: true, OnProgress: func(p int) { mu.Lock(); seen = append(seen, p); mu.Unlock() }})
		cancel()
		if err != nil || res.Err() != nil {
			t.Fatalf("%s: %v %v", name, err, res.Err())
		}
		mu.Lock()
		got := append([]int(nil), seen...)
		mu.Unlock()
		if len(got) < 3 || !slices.IsSorted(got) {
			t.Fatalf("%s engine: progress %v, want the repair's PercentComplete in order", name, got)
		}
		t.Logf("%s engine: progress %v", name, got)
	}
}
