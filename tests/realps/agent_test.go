package realps

import (
	"testing"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 9 items 15 and 16: the agent probe reaches the service
// (GetTotalHistoryCount) and names the call that failed with its HRESULT;
// a history that cannot be read is data, not an error.
func TestAgentAndHistoryFailures(t *testing.T) {
	disable := func(sc *fakehost.Scenario) {
		s := sc.Machine.Services["wuauserv"]
		s.Status, s.ProcessID, s.StartType = "Stopped", 0, "Disabled"
	}
	fail := func(call string, hr fakehost.HResult) func(*fakehost.Scenario) {
		return func(sc *fakehost.Scenario) { sc.Machine.Faults.AgentFails = map[string]fakehost.HResult{call: hr} }
	}
	agent := func(call string, hr int64) step {
		return step{name: "agent", script: "Test-WurUpdateAgent", params: map[string]any{"ReachService": true}, typ: scripts.AgentProbeResult{},
			check: func(t *testing.T, _ *machine, res any) {
				r := res.(*scripts.AgentProbeResult)
				if r.FailedCall != call || r.HResult != hr || r.ServiceReached != (call == "") {
					t.Errorf("agent: %+v, want %s failing with 0x%08X", r, call, uint32(hr))
				}
			}}
	}
	history := func(call string, hr int64) step {
		return step{name: "history", script: "Get-WurUpdateHistory", typ: scripts.UpdateHistoryResult{},
			check: func(t *testing.T, _ *machine, res any) {
				r := res.(*scripts.UpdateHistoryResult)
				if r.Available != (call == "") || r.FailedCall != call || r.HResult != hr {
					t.Errorf("history: %+v, want %s failing with 0x%08X", r, call, uint32(hr))
				}
			}}
	}
	cases := []struct {
		name     string
		scenario string
		mutate   func(*fakehost.Scenario)
		steps    []step
	}{
		{"proxy/stub not registered", "healthy", fail("GetTotalHistoryCount", 0x80004002),
			[]step{agent("GetTotalHistoryCount", int64(int32(-2147467262))), history("GetTotalHistoryCount", int64(int32(-2147467262)))}},
		{"interface not registered at the searcher", "healthy", fail("CreateUpdateSearcher", 0x80040155),
			[]step{agent("CreateUpdateSearcher", int64(int32(-2147221163))), history("CreateUpdateSearcher", int64(int32(-2147221163)))}},
		{"wuauserv disabled", "healthy", disable,
			[]step{agent("GetTotalHistoryCount", int64(int32(-2147023838))), history("GetTotalHistoryCount", int64(int32(-2147023838)))}},
		{"damaged DataStore", "0x80070002", fail("QueryHistory", 0x80248007),
			[]step{agent("", 0), history("QueryHistory", int64(int32(-2145091577)))}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, scenarioPath(t, tc.scenario), tc.mutate)
			runSteps(t, newEngines(t, m, "Machine.ps1", "Services.ps1", "DotNet.ps1", "Windows.ps1"), tc.steps)
		})
	}
}
