package fakehost

import (
	"reflect"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

func TestComponentStore(t *testing.T) {
	health := func(th *testHost) scripts.ComponentHealthResult {
		return result[scripts.ComponentHealthResult](t, th.call("Get-WurComponentHealth", nil, false))
	}
	th := hostFor(t, "components")
	if got := health(th); got != (scripts.ComponentHealthResult{ImageHealthState: "Repairable"}) {
		t.Fatalf("%+v", got)
	}
	if got := result[scripts.ComponentHealthResult](t, th.call("Repair-WurComponentStore", nil, false)); got != (scripts.ComponentHealthResult{ImageHealthState: "Healthy"}) {
		t.Fatalf("%+v", got)
	}
	if got := health(th); got.ImageHealthState != "Healthy" {
		t.Fatalf("%+v", got)
	}

	cases := []struct {
		name    string
		store   ComponentStore
		params  map[string]any
		want    scripts.ComponentHealthResult
		reasons []string
	}{
		{"source missing is data", ComponentStore{State: storeRepairable, RestoreHealth: outcomeSourceMissing}, nil,
			scripts.ComponentHealthResult{ImageHealthState: "Repairable", SourceMissing: true, HResult: -2146498529}, nil},
		{"a source helps", ComponentStore{State: storeRepairable, RestoreHealth: outcomeSourceMissing, RestoreHealthWithSource: outcomeHealthy},
			p("Source", `D:\sources\install.wim`, "LimitAccess", true), scripts.ComponentHealthResult{ImageHealthState: "Healthy"}, nil},
		{"not repairable in place", ComponentStore{State: storeRepairable, RestoreHealth: outcomeNonRepairable}, nil,
			scripts.ComponentHealthResult{ImageHealthState: "NonRepairable"}, nil},
		{"repair needs a restart", ComponentStore{State: storeRepairable, RestoreHealth: outcomeHealthy, RestartAfterRepair: true}, nil,
			scripts.ComponentHealthResult{ImageHealthState: "Healthy", RestartNeeded: true}, []string{"CBSRebootPending"}},
		{"healthy stays healthy", ComponentStore{State: storeHealthy, RestoreHealth: outcomeSourceMissing}, nil,
			scripts.ComponentHealthResult{ImageHealthState: "Healthy"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := hostFor(t, "components", func(sc *Scenario) { sc.Machine.ComponentStore = tc.store })
			got := result[scripts.ComponentHealthResult](t, th.call("Repair-WurComponentStore", tc.params, false))
			if got != tc.want {
				t.Fatalf("got %+v want %+v", got, tc.want)
			}
			if h := health(th); h.ImageHealthState != tc.want.ImageHealthState || h.RestartNeeded != tc.want.RestartNeeded {
				t.Fatalf("CheckHealth afterwards %+v", h)
			}
			if r := th.state().PendingReboot; !reflect.DeepEqual(r, tc.reasons) {
				t.Fatalf("reboot reasons %v", r)
			}
		})
	}
	t.Run("needs elevation", func(t *testing.T) {
		th := hostFor(t, "components", func(sc *Scenario) { sc.Host.IsAdmin = false })
		for _, name := range []string{"Get-WurComponentHealth", "Repair-WurComponentStore"} {
			e := failure(t, th.call(name, nil, false))
			if e.HResult != hrElevationRequired.Int64() {
				t.Fatalf("%s: %+v", name, e)
			}
		}
	})
}

// -CheckHealth reads the flag the last scan left, not the store: damage
// done since reads Healthy until -ScanHealth (or -RestoreHealth) looks.
func TestCheckHealthReadsTheLastScan(t *testing.T) {
	th := hostFor(t, "components", func(sc *Scenario) {
		sc.Machine.ComponentStore = ComponentStore{State: storeRepairable, Flag: storeHealthy, RestoreHealth: outcomeHealthy}
	})
	health := func(scan bool) string {
		var params map[string]any
		if scan {
			params = p("Scan", true)
		}
		return result[scripts.ComponentHealthResult](t, th.call("Get-WurComponentHealth", params, false)).ImageHealthState
	}
	if got := health(false); got != storeHealthy {
		t.Fatalf("CheckHealth before any scan: %s, want the stale flag Healthy", got)
	}
	if got := health(true); got != storeRepairable {
		t.Fatalf("ScanHealth: %s, want Repairable", got)
	}
	if got := health(false); got != storeRepairable {
		t.Fatalf("CheckHealth after ScanHealth: %s, want the flag it left", got)
	}
}

// Every "repair source unavailable" failure is data, with its HRESULT.
func TestRepairSourceUnavailable(t *testing.T) {
	for outcome, hr := range map[string]int64{
		outcomeSourceMissing:    -2146498529, // 0x800F081F
		outcomeSourceDisallowed: -2146498297, // 0x800F0907
		outcomeWSUSNoContent:    -2146498220, // 0x800F0954
	} {
		t.Run(outcome, func(t *testing.T) {
			th := hostFor(t, "components", func(sc *Scenario) { sc.Machine.ComponentStore.RestoreHealth = outcome })
			got := result[scripts.ComponentHealthResult](t, th.call("Repair-WurComponentStore", nil, false))
			if want := (scripts.ComponentHealthResult{ImageHealthState: storeRepairable, SourceMissing: true, HResult: hr}); got != want {
				t.Fatalf("got %+v want %+v", got, want)
			}
		})
	}
}
