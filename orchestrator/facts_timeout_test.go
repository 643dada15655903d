package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
)

// hungProbeInvoker: one script runs out of time (PowerShell killed, as a
// call blocked in WMI is); every other answers an empty result.
type hungProbeInvoker struct {
	hung  string
	calls []string
}

func (s *hungProbeInvoker) Invoke(_ context.Context, req ps.Request) (ps.Result, error) {
	s.calls = append(s.calls, req.Name)
	if req.Name == s.hung {
		return ps.Result{}, &ps.TimeoutError{Script: req.Name, Timeout: req.Timeout, Margin: 30 * time.Second, Killed: true}
	}
	out := json.RawMessage(`{}`)
	if req.Name == "Test-WurUpdateAgent" {
		// The agent fails, so a finding depends on the component store
		// and CheckHealth (the last probe) runs too.
		out, _ = json.Marshal(scripts.AgentProbeResult{SessionCreated: true, FailedCall: "CreateUpdateSearcher", HResult: 0x80004002})
	}
	return ps.Result{Script: req.Name, OK: true, Output: []json.RawMessage{out}}, nil
}

// A probe that times out is a failed probe: diagnose still reports every
// other one (issue 16: a hung WMI aborted the whole diagnose). A cancelled
// run still aborts.
func TestProbeTimeoutIsAFailedProbe(t *testing.T) {
	cat, err := scripts.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		hung   string
		cancel bool
	}{
		{"service probe", "Get-WurServiceState", false},
		{"last probe", "Get-WurComponentHealth", false},
		{"cancelled", "Get-WurServiceState", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &hungProbeInvoker{hung: tc.hung}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			f, err := Probe(ctx, NewHost(inv, cat), ps.HostFacts{IsAdmin: true})
			if tc.cancel {
				if !errors.Is(err, ps.ErrTimeout) {
					t.Fatalf("cancelled: err %v, want the timeout", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			// (The others answer {}, which their strict decoding records
			// as protocol errors: what matters is that they all ran.)
			if msg := f.ProbeErrors[tc.hung]; !strings.Contains(msg, "did not finish within") {
				t.Errorf("ProbeErrors[%s] = %q, want its timeout", tc.hung, msg)
			}
			if len(inv.calls) != 7 {
				t.Errorf("calls %v, want all 7 probes", inv.calls)
			}
		})
	}
}
