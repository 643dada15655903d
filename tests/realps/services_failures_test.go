package realps

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 9 items 11 and 12 on real pwsh: a refused stop or start carries
// the SCM's Win32 error, read from the Win32Exception inside the
// InvalidOperationException ServiceController throws (the doubles throw
// that shape); a hung or broken WMI is reported and the SCM's data used.
func TestServiceFailuresCarryWin32Error(t *testing.T) {
	stop := scripts.StopServiceResult{}
	start := scripts.StartServiceResult{}
	st := scripts.ServiceStateResult{}
	wantStop := func(code int, stopped bool) func(*testing.T, *machine, any) {
		return func(t *testing.T, _ *machine, res any) {
			r := res.(*scripts.StopServiceResult)
			if r.Win32Error != code || r.Stopped != stopped {
				t.Errorf("Stop-WurService %s: Win32Error %d stopped %v, want %d %v", r.Name, r.Win32Error, r.Stopped, code, stopped)
			}
		}
	}
	wantStart := func(code int) func(*testing.T, *machine, any) {
		return func(t *testing.T, _ *machine, res any) {
			r := res.(*scripts.StartServiceResult)
			if r.Win32Error != code || r.Started != (code == 0) {
				t.Errorf("Start-WurService %s: Win32Error %d started %v, want %d", r.Name, r.Win32Error, r.Started, code)
			}
		}
	}
	wantWMI := func(hr int64) func(*testing.T, *machine, any) {
		return func(t *testing.T, _ *machine, res any) {
			switch r := res.(type) {
			case *scripts.ServiceStateResult:
				if r.WmiHResult != hr {
					t.Errorf("Get-WurServiceState WmiHResult %#x, want %#x", r.WmiHResult, hr)
				}
				for _, s := range r.Services {
					if s.Exists && s.Status == "" {
						t.Errorf("%s: no status from the SCM", s.Name)
					}
					if hr != 0 && s.ProcessId != 0 {
						t.Errorf("%s: process id %d although WMI failed", s.Name, s.ProcessId)
					}
				}
			case *scripts.StopServiceResult:
				if r.WmiHResult != hr || (hr != 0 && r.ProcessId != 0) || !r.Stopped {
					t.Errorf("Stop-WurService with WMI %#x: %+v", hr, r)
				}
			}
		}
	}
	behave := func(svc, how string) func(*fakehost.Scenario) {
		return func(sc *fakehost.Scenario) { sc.Machine.Services[svc].StopBehavior = how }
	}
	stopped := func(name string) func(*fakehost.Scenario) {
		return func(sc *fakehost.Scenario) {
			s := sc.Machine.Services[name]
			s.Status, s.ProcessID = "Stopped", 0
		}
	}
	cases := []struct {
		name   string
		file   string
		mutate []func(*fakehost.Scenario)
		steps  []step
	}{
		{"protected", "healthy", []func(*fakehost.Scenario){behave("wuauserv", "protected")}, []step{
			{name: "stop UsoSvc", script: "Stop-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 5}, typ: stop, check: wantStop(0, true)},
			{name: "protected: 5", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: stop, check: wantStop(5, false)},
		}},
		{"cannot-accept-control", "healthy", []func(*fakehost.Scenario){behave("wuauserv", "cannotAcceptControl")}, []step{
			{name: "1061", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: stop, check: wantStop(1061, false)},
		}},
		{"no-response", "stuck-service", nil, []step{
			{name: "1053", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: stop, check: wantStop(1053, false)},
		}},
		{"dependents-running", "healthy", []func(*fakehost.Scenario){func(sc *fakehost.Scenario) {
			s := sc.Machine.Services["AppIDSvc"]
			s.Status, s.ProcessID = "Running", 6100
		}, behave("AppIDSvc", "protected")}, []step{
			{name: "not asked: 1051", script: "Stop-WurService", params: map[string]any{"Name": "CryptSvc", "TimeoutSec": 5}, typ: stop, check: wantStop(1051, false)},
			{name: "a protected dependent: 5", script: "Stop-WurService", params: map[string]any{"Name": "CryptSvc", "TimeoutSec": 5, "StopDependents": true}, typ: stop, check: wantStop(5, false)},
		}},
		{"start-failures", "healthy", []func(*fakehost.Scenario){
			func(sc *fakehost.Scenario) { sc.Machine.Services["msiserver"].StartFails = true },
			stopped("CryptSvc"),
			func(sc *fakehost.Scenario) { sc.Machine.Services["CryptSvc"].StartType = "Disabled" },
		}, []step{
			{name: "no response: 1053", script: "Start-WurService", params: map[string]any{"Name": "msiserver", "TimeoutSec": 5}, typ: start, check: wantStart(1053)},
			{name: "disabled: 1058", script: "Start-WurService", params: map[string]any{"Name": "CryptSvc", "TimeoutSec": 5}, typ: start, check: wantStart(1058)},
			{name: "dependency failed: 1068", script: "Start-WurService", params: map[string]any{"Name": "AppIDSvc", "TimeoutSec": 5}, typ: start, check: wantStart(1068)},
		}},
		{"wmi-hung", "healthy", []func(*fakehost.Scenario){func(sc *fakehost.Scenario) { sc.Machine.Faults.WMI = "hung" }}, []step{
			{name: "probe", script: "Get-WurServiceState", params: map[string]any{"Names": allServices}, typ: st, check: wantWMI(-2147217358)},
			{name: "stop UsoSvc", script: "Stop-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 5}, typ: stop, check: wantWMI(-2147217358)},
		}},
		{"wmi-broken", "healthy", []func(*fakehost.Scenario){func(sc *fakehost.Scenario) { sc.Machine.Faults.WMI = "broken" }}, []step{
			{name: "probe", script: "Get-WurServiceState", params: map[string]any{"Names": allServices}, typ: st, check: wantWMI(-2147217392)},
		}},
		{"wmi-ok", "healthy", nil, []step{
			{name: "probe", script: "Get-WurServiceState", params: map[string]any{"Names": allServices}, typ: st, check: wantWMI(0)},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, scenarioPath(t, tc.file), tc.mutate...)
			runSteps(t, newEngines(t, m, "Machine.ps1", "Registry.ps1", "Services.ps1"), tc.steps)
		})
	}
}

// Issue 9 item 2, the service half: a script waiting for a service waits
// in WaitForStatus slices of at most 1 s, so PowerShell's Stop() at the
// request's timeout ends it and the host answers "timed out" and lives.
// The double's WaitForStatus is one Thread.Sleep for its whole timeout,
// like the real one: a script that waited TimeoutSec in one call would be
// killed at timeout + margin instead. The margin is generous (25 s) so a
// loaded machine does not read as a kill; a script waiting in one call
// would sleep for an hour.
func TestServiceWaitsInSlices(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		prepare      []map[string]any // Stop-WurService calls first
		params       map[string]any
	}{
		{"stop", "Stop-WurService", nil, map[string]any{"Name": "wuauserv", "TimeoutSec": 3600}},
		{"start while stop pending", "Start-WurService", []map[string]any{{"Name": "wuauserv", "TimeoutSec": 1}},
			map[string]any{"Name": "wuauserv", "TimeoutSec": 3600}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, scenarioPath(t, "stuck-stoppending"))
			newEngines(t, m, "Machine.ps1") // skips where tests/realps does not run
			cat := scripts.MustLoad()
			s, err := ps.New(ps.Options{Exe: findPwsh(t), Bootstrap: cat.Bootstrap().Text,
				Prelude: prelude(t, m, []string{"Machine.ps1", "Registry.ps1", "Services.ps1"}), Grace: 25 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			ctx := context.Background()
			for _, p := range tc.prepare {
				sc, _ := cat.Get("Stop-WurService")
				if _, err := s.Invoke(ctx, ps.Request{Name: sc.Name, Script: sc.Text, Params: p, Timeout: 30 * time.Second}); err != nil {
					t.Fatal(err)
				}
			}
			sc, _ := cat.Get(tc.script)
			_, err = s.Invoke(ctx, ps.Request{Name: sc.Name, Script: sc.Text, Params: tc.params, Timeout: 3 * time.Second})
			var te *ps.TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("want a timeout, got %v", err)
			}
			if te.Killed {
				t.Fatalf("the host was killed: the script waited in one call PowerShell could not stop: %v", err)
			}
			// The host lives: the next request answers.
			echo, _ := cat.Get("Test-WurEcho")
			if _, err := s.Invoke(ctx, ps.Request{Name: echo.Name, Script: echo.Text, Params: map[string]any{"Text": "x"}, Timeout: 30 * time.Second}); err != nil {
				t.Fatalf("after the timeout: %v", err)
			}
		})
	}
}

// Issue 9 item 17: start types go through the SCM (sc.exe config, judged by
// its exit code) and are read back through it. The registry double refuses
// writes to a service key (the SCM reads it only at boot), the sc.exe
// double is a real program at <Windows>\System32\sc.exe that checks its
// arguments and exits 5 when not elevated.
func TestStartTypeThroughSCM(t *testing.T) {
	set := scripts.SetStartTypeResult{}
	want := func(typ string, delayed bool, wmi int64) func(*testing.T, *machine, any) {
		return func(t *testing.T, _ *machine, res any) {
			r := res.(*scripts.SetStartTypeResult)
			if r.StartType != typ || r.DelayedAutoStart != delayed || r.WmiHResult != wmi {
				t.Errorf("%s: %s delayed %v wmi %#x, want %s %v %#x", r.Name, r.StartType, r.DelayedAutoStart, r.WmiHResult, typ, delayed, wmi)
			}
		}
	}
	steps := func(wmi int64) []step {
		return []step{
			{name: "DoSvc delayed to manual", script: "Set-WurServiceStartType", params: map[string]any{"Name": "DoSvc", "StartType": "Manual"}, typ: set, check: want("Manual", false, wmi)},
			{name: "DoSvc back to delayed", script: "Set-WurServiceStartType", params: map[string]any{"Name": "DoSvc", "StartType": "Automatic", "DelayedAutoStart": true}, typ: set, check: want("Automatic", true, wmi)},
			{name: "DoSvc delayed to plain automatic", script: "Set-WurServiceStartType", params: map[string]any{"Name": "DoSvc", "StartType": "automatic"}, typ: set, check: want("Automatic", false, wmi)},
			{name: "BITS disabled", script: "Set-WurServiceStartType", params: map[string]any{"Name": "bits", "StartType": "Disabled"}, typ: set, check: want("Disabled", false, wmi)},
		}
	}
	for _, tc := range []struct {
		name   string
		mutate []func(*fakehost.Scenario)
		wmi    int64
	}{
		{"wmi", nil, 0},
		{"wmi-broken: registry fallback", []func(*fakehost.Scenario){func(sc *fakehost.Scenario) { sc.Machine.Faults.WMI = "broken" }}, -2147217392},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, scenarioPath(t, "healthy"), tc.mutate...)
			runSteps(t, newEngines(t, m, "Machine.ps1", "Registry.ps1", "Services.ps1"), steps(tc.wmi))
		})
	}
}
