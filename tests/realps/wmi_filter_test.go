package realps

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// cimCall is one Get-CimInstance call as the double recorded it.
type cimCall struct {
	ClassName           string   `json:"ClassName"`
	Filter              *string  `json:"Filter"`
	OperationTimeoutSec *int     `json:"OperationTimeoutSec"`
	Property            []string `json:"Property"`
}

// takeCimCalls returns the Get-CimInstance calls recorded since the last
// take and empties the record.
func takeCimCalls(t *testing.T, m *machine) []cimCall {
	t.Helper()
	path := filepath.Join(filepath.Dir(m.state), "cim-calls.jsonl")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var calls []cimCall
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c cimCall
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		calls = append(calls, c)
	}
	_ = f.Close()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	return calls
}

// Issue 20 item 8: the service scripts ask WMI for the services they need
// by name (a WQL -Filter, names escaped as data), bounded in time
// (-OperationTimeoutSec), never by enumerating every Win32_Service and
// filtering in PowerShell. The double records what each call got.
func TestServiceScriptsAskWMIByName(t *testing.T) {
	const odd = `Wur'Odd$Svc` // a quote in a name: data, escaped in the WQL literal
	addOdd := func(sc *fakehost.Scenario) {
		sc.Machine.Services[odd] = &fakehost.Service{Status: "Running", StartType: "Manual", ProcessID: 7100}
	}
	m := newMachine(t, scenarioPath(t, "healthy"), addOdd)
	e := newEngines(t, m, "Machine.ps1", "Registry.ps1", "Services.ps1")
	st, stop, set := scripts.ServiceStateResult{}, scripts.StopServiceResult{}, scripts.SetStartTypeResult{}
	for _, tc := range []struct {
		step
		filters []string // one per Get-CimInstance call, in order
	}{
		{step{name: "probe", script: "Get-WurServiceState", params: map[string]any{"Names": []string{"wuauserv", "nosuchsvc", "bits", "WUAUSERV"}}, typ: st},
			[]string{`Name='wuauserv' OR Name='BITS'`}},
		{step{name: "stop UsoSvc", script: "Stop-WurService", params: map[string]any{"Name": "usosvc", "TimeoutSec": 5}, typ: stop},
			[]string{`Name='UsoSvc'`}},
		{step{name: "stop a name with a quote", script: "Stop-WurService", params: map[string]any{"Name": odd, "TimeoutSec": 5}, typ: stop},
			[]string{`Name='Wur\'Odd$Svc'`}},
		{step{name: "set DoSvc manual", script: "Set-WurServiceStartType", params: map[string]any{"Name": "DoSvc", "StartType": "Manual"}, typ: set},
			[]string{`Name='DoSvc'`}}, // before; after only for Automatic
		{step{name: "set DoSvc delayed automatic", script: "Set-WurServiceStartType", params: map[string]any{"Name": "dosvc", "StartType": "Automatic", "DelayedAutoStart": true}, typ: set},
			[]string{`Name='DoSvc'`, `Name='DoSvc'`}}, // before and after
	} {
		takeCimCalls(t, m)
		runSteps(t, e, []step{tc.step})
		calls := takeCimCalls(t, m)
		if len(calls) != len(tc.filters) {
			t.Errorf("%s: %d Get-CimInstance calls %+v, want %d", tc.name, len(calls), calls, len(tc.filters))
			continue
		}
		for i, c := range calls {
			if c.ClassName != "Win32_Service" {
				t.Errorf("%s: class %q", tc.name, c.ClassName)
			}
			if c.Filter == nil {
				t.Errorf("%s: Get-CimInstance without -Filter: every service enumerated", tc.name)
			} else if *c.Filter != tc.filters[i] {
				t.Errorf("%s: -Filter %q, want %q", tc.name, *c.Filter, tc.filters[i])
			}
			if c.OperationTimeoutSec == nil || *c.OperationTimeoutSec <= 0 || *c.OperationTimeoutSec > 15 {
				t.Errorf("%s: -OperationTimeoutSec %v, want 1..15", tc.name, c.OperationTimeoutSec)
			}
		}
	}
}
