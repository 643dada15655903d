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
