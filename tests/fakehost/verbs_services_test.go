package fakehost

import (
	"reflect"
	"testing"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

func TestGetServiceState(t *testing.T) {
	th := hostFor(t, "healthy")
	r := result[scripts.ServiceStateResult](t, th.call("Get-WurServiceState", p("Names", []string{"WUAUSERV", "NoSuchSvc", "CryptSvc", "RpcSs", "AppIDSvc"}), false))
	want := []scripts.ServiceInfo{
		{Name: "wuauserv", Exists: true, Status: "Running", StartType: "Manual", ProcessId: 4412, DependentServices: []string{}, ServicesDependedOn: []string{"RpcSs"}},
		{Name: "NoSuchSvc", DependentServices: []string{}, ServicesDependedOn: []string{}},
		{Name: "CryptSvc", Exists: true, Status: "Running", StartType: "Automatic", ProcessId: 1948, DependentServices: []string{"AppIDSvc"}, ServicesDependedOn: []string{"RpcSs"}},
		{Name: "RpcSs", Exists: true, Status: "Running", StartType: "Automatic", ProcessId: 1020,
			// Stop order (AppIDSvc depends on CryptSvc): what ServiceController gives.
			DependentServices:  []string{"AppIDSvc", "BITS", "DoSvc", "msiserver", "UsoSvc", "wuauserv", "CryptSvc"},
			ServicesDependedOn: []string{"DcomLaunch", "RpcEptMapper"}},
		{Name: "AppIDSvc", Exists: true, Status: "Stopped", StartType: "Manual", DependentServices: []string{}, ServicesDependedOn: []string{"CryptSvc", "RpcSs"}},
	}
	if !reflect.DeepEqual(r.Services, want) {
		t.Fatalf("got  %+v\nwant %+v", r.Services, want)
	}
	if th2 := hostFor(t, "healthy"); th2.bytes() != th.bytes() {
		t.Fatal("a probe changed the machine")
	}
}

func TestServiceProbeOnDefaultStartTypes(t *testing.T) {
	th := hostFor(t, "healthy")
	r := result[scripts.ServiceStateResult](t, th.call("Get-WurServiceState", p("Names", []string{"wuauserv", "BITS", "AppIDSvc", "UsoSvc", "msiserver", "TrustedInstaller", "CryptSvc", "DoSvc"}), false))
	want := map[string]string{"wuauserv": "Manual", "BITS": "Manual", "AppIDSvc": "Manual", "UsoSvc": "Manual", "msiserver": "Manual",
		"TrustedInstaller": "Manual", "CryptSvc": "Automatic", "DoSvc": "Automatic"}
	for _, s := range r.Services {
		if s.StartType != want[s.Name] || s.DelayedAutoStart != (s.Name == "DoSvc") {
			t.Errorf("%s: %s delayed=%v", s.Name, s.StartType, s.DelayedAutoStart)
		}
	}
}

func TestStopService(t *testing.T) {
	appIDRunning := func(sc *Scenario) {
		s := sc.Machine.Services["AppIDSvc"]
		s.Status, s.ProcessID = statusRunning, 6100
	}
	cases := []struct {
		name     string
		scenario string
		mutate   []func(*Scenario)
		params   map[string]any
		want     scripts.StopServiceResult
		after    string        // the service's status afterwards
		elapsed  time.Duration // simulated wait (WaitForStatus timing out)
		waits    bool
	}{
		{"running stops", "healthy", nil, p("Name", "wuauserv", "TimeoutSec", 30),
			scripts.StopServiceResult{Name: "wuauserv", PreviousStatus: "Running", Status: "Stopped", Stopped: true, ProcessId: 4412, StoppedDependents: []string{}}, "Stopped", 0, false},
		{"name is case-insensitive", "healthy", nil, p("Name", "Bits", "TimeoutSec", 30),
			scripts.StopServiceResult{Name: "BITS", PreviousStatus: "Running", Status: "Stopped", Stopped: true, ProcessId: 2380, StoppedDependents: []string{}}, "Stopped", 0, false},
		{"already stopped", "healthy", nil, p("Name", "msiserver", "TimeoutSec", 30),
			scripts.StopServiceResult{Name: "msiserver", PreviousStatus: "Stopped", Status: "Stopped", Stopped: true, StoppedDependents: []string{}}, "Stopped", 0, false},
		{"hang: not stopped in time, nothing killed", "stuck-stoppending", nil, p("Name", "wuauserv", "TimeoutSec", 45),
			scripts.StopServiceResult{Name: "wuauserv", PreviousStatus: "Running", Status: "StopPending", ProcessId: 4412, StoppedDependents: []string{}}, "StopPending", 45 * time.Second, true},
		{"ignores the stop: still Running, nothing killed", "stuck-service", nil, p("Name", "wuauserv", "TimeoutSec", 45),
			scripts.StopServiceResult{Name: "wuauserv", PreviousStatus: "Running", Status: "Running", ProcessId: 4412, StoppedDependents: []string{}, Win32Error: 1053}, "Running", 0, false},
		{"protected: access denied even to SYSTEM", "healthy", []func(*Scenario){func(sc *Scenario) { sc.Machine.Services["wuauserv"].StopBehavior = behaviorProtected }}, p("Name", "wuauserv", "TimeoutSec", 45),
			scripts.StopServiceResult{Name: "wuauserv", PreviousStatus: "Running", Status: "Running", ProcessId: 4412, StoppedDependents: []string{}, Win32Error: 5}, "Running", 0, false},
		{"cannot accept the control", "healthy", []func(*Scenario){func(sc *Scenario) { sc.Machine.Services["wuauserv"].StopBehavior = behaviorNoControl }}, p("Name", "wuauserv", "TimeoutSec", 45),
			scripts.StopServiceResult{Name: "wuauserv", PreviousStatus: "Running", Status: "Running", ProcessId: 4412, StoppedDependents: []string{}, Win32Error: 1061}, "Running", 0, false},
		{"a protected dependent: its error", "healthy", []func(*Scenario){appIDRunning, func(sc *Scenario) { sc.Machine.Services["AppIDSvc"].StopBehavior = behaviorProtected }}, p("Name", "CryptSvc", "TimeoutSec", 30, "StopDependents", true),
			scripts.StopServiceResult{Name: "CryptSvc", PreviousStatus: "Running", Status: "Running", ProcessId: 1948, StoppedDependents: []string{}, Win32Error: 5}, "Running", 0, false},
		{"WMI hung: process id 0, its HRESULT, stopped by the SCM", "healthy", []func(*Scenario){func(sc *Scenario) { sc.Machine.Faults.WMI = wmiHung }}, p("Name", "wuauserv", "TimeoutSec", 30),
			scripts.StopServiceResult{Name: "wuauserv", PreviousStatus: "Running", Status: "Stopped", Stopped: true, StoppedDependents: []string{}, WmiHResult: -2147217358}, "Stopped", 0, false},
		{"running dependents, not asked to stop them", "healthy", []func(*Scenario){appIDRunning}, p("Name", "CryptSvc", "TimeoutSec", 30),
			scripts.StopServiceResult{Name: "CryptSvc", PreviousStatus: "Running", Status: "Running", ProcessId: 1948, StoppedDependents: []string{}, Win32Error: 1051}, "Running", 0, false},
		{"running dependents stopped first", "healthy", []func(*Scenario){appIDRunning}, p("Name", "CryptSvc", "TimeoutSec", 30, "StopDependents", true),
			scripts.StopServiceResult{Name: "CryptSvc", PreviousStatus: "Running", Status: "Stopped", Stopped: true, ProcessId: 1948, StoppedDependents: []string{"AppIDSvc"}}, "Stopped", 0, false},
		{"trigger restarts it after it stopped", "trigger-restart", nil, p("Name", "wuauserv", "TimeoutSec", 30),
			scripts.StopServiceResult{Name: "wuauserv", PreviousStatus: "Running", Status: "Stopped", Stopped: true, ProcessId: 4412, StoppedDependents: []string{}}, "Running", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := hostFor(t, tc.scenario, tc.mutate...)
			env := th.call("Stop-WurService", tc.params, false)
			got := result[scripts.StopServiceResult](t, env)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			key, svc := th.state().LookupService(tc.params["Name"].(string))
			if svc.Status != tc.after || (svc.Status == statusStopped) != (svc.ProcessID == 0) {
				t.Fatalf("%s afterwards: %s pid %d, want %s", key, svc.Status, svc.ProcessID, tc.after)
			}
			// ServiceController.WaitForStatus warns nothing, even when it
			// times out (tc.waits).
			if len(env.Warnings) != 0 {
				t.Fatalf("warnings %q", env.Warnings)
			}

		})
	}
}

func TestStopHangPastRequestTimeoutTimesOut(t *testing.T) {
	th := hostFor(t, "stuck-stoppending")
	env, _ := th.callCrash("Stop-WurService", p("Name", "wuauserv", "TimeoutSec", 300), false, 180000)
	if !env.TimedOut || env.OK || len(env.Output) != 0 {
		t.Fatalf("envelope %+v", env)
	}
	if _, svc := th.state().LookupService("wuauserv"); svc.Status != statusStopPending || svc.ProcessID != 4412 {
		t.Fatalf("wuauserv %+v", svc)
	}
}

func TestTriggerRestartUnlessUsoSvcStopped(t *testing.T) {
	th := hostFor(t, "trigger-restart")
	th.call("Stop-WurService", p("Name", "wuauserv", "TimeoutSec", 30), false)
	_, wu := th.state().LookupService("wuauserv")
	if wu.Status != statusRunning || wu.ProcessID == 4412 || wu.ProcessID == 0 {
		t.Fatalf("the trigger should have restarted wuauserv with a new process: %+v", wu)
	}
	// It came back: DataStore.edb is in use again.
	th.stopAll("BITS")
	e := failure(t, th.call("Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1"), false))
	if e.HResult != hrAccessDenied.Int64() {
		t.Fatalf("%+v", e)
	}
	// Stop UsoSvc first, then wuauserv stays stopped.
	th.stopAll("UsoSvc", "wuauserv")
	if _, wu := th.state().LookupService("wuauserv"); wu.Status != statusStopped {
		t.Fatalf("wuauserv %+v", wu)
	}
	result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1"), false))
}

func TestStopServiceFailures(t *testing.T) {
	e := failure(t, hostFor(t, "healthy").call("Stop-WurService", p("Name", "nosuch", "TimeoutSec", 5), false))
	if e.FQID != "WurServiceNotFound" || e.Category != "ObjectNotFound" {
		t.Fatalf("%+v", e)
	}
	th := hostFor(t, "healthy", func(sc *Scenario) { sc.Host.IsAdmin = false })
	before := th.bytes()
	// Not elevated: ServiceController.Stop() throws (Win32 error 5), the
	// script catches it and reports the service as it is (data).
	r := result[scripts.StopServiceResult](t, th.call("Stop-WurService", p("Name", "wuauserv", "TimeoutSec", 5), false))
	if r.Stopped || r.Status != "Running" || r.Win32Error != 5 || th.bytes() != before {
		t.Fatalf("%+v", r)
	}
}

func TestStartService(t *testing.T) {
	stopped := func(name string) func(*Scenario) {
		return func(sc *Scenario) {
			s := sc.Machine.Services[name]
			s.Status, s.ProcessID = statusStopped, 0
		}
	}
	cases := []struct {
		name     string
		scenario string
		mutate   []func(*Scenario)
		svc      string
		want     scripts.StartServiceResult
	}{
		{"already running", "healthy", nil, "wuauserv", scripts.StartServiceResult{Name: "wuauserv", PreviousStatus: "Running", Status: "Running", Started: true}},
		{"starts", "healthy", nil, "msiserver", scripts.StartServiceResult{Name: "msiserver", PreviousStatus: "Stopped", Status: "Running", Started: true}},
		{"disabled is not started", "healthy", []func(*Scenario){func(sc *Scenario) { sc.Machine.Services["msiserver"].StartType = startDisabled }},
			"msiserver", scripts.StartServiceResult{Name: "msiserver", PreviousStatus: "Stopped", Status: "Stopped", Win32Error: 1058}},
		{"start fails: data", "healthy", []func(*Scenario){func(sc *Scenario) { sc.Machine.Services["msiserver"].StartFails = true }},
			"msiserver", scripts.StartServiceResult{Name: "msiserver", PreviousStatus: "Stopped", Status: "Stopped", Win32Error: 1053}},
		{"dependency disabled", "healthy", []func(*Scenario){stopped("CryptSvc"), func(sc *Scenario) { sc.Machine.Services["CryptSvc"].StartType = startDisabled }},
			"AppIDSvc", scripts.StartServiceResult{Name: "AppIDSvc", PreviousStatus: "Stopped", Status: "Stopped", Win32Error: 1068}},
		{"starts its dependencies", "healthy", []func(*Scenario){stopped("CryptSvc")},
			"AppIDSvc", scripts.StartServiceResult{Name: "AppIDSvc", PreviousStatus: "Stopped", Status: "Running", Started: true}},
		{"not elevated: data", "healthy", []func(*Scenario){func(sc *Scenario) { sc.Host.IsAdmin = false }},
			"msiserver", scripts.StartServiceResult{Name: "msiserver", PreviousStatus: "Stopped", Status: "Stopped", Win32Error: 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := hostFor(t, tc.scenario, tc.mutate...)
			got := result[scripts.StartServiceResult](t, th.call("Start-WurService", p("Name", tc.svc, "TimeoutSec", 30), false))
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			if _, s := th.state().LookupService(tc.svc); s.Status != tc.want.Status {
				t.Fatalf("afterwards %+v", s)
			}
		})
	}
	t.Run("stuck service cannot start", func(t *testing.T) {
		th := hostFor(t, "stuck-stoppending")
		th.call("Stop-WurService", p("Name", "wuauserv", "TimeoutSec", 1), false)
		got := result[scripts.StartServiceResult](t, th.call("Start-WurService", p("Name", "wuauserv", "TimeoutSec", 30), false))
		if got.Started || got.Status != statusStopPending {
			t.Fatalf("%+v", got)
		}
	})
}

// A service creates the files it holds when they are missing: wuauserv
// starting after a DataStore reset writes a new DataStore.edb.
func TestStartCreatesHeldFiles(t *testing.T) {
	th := hostFor(t, "0x80070002")
	th.stopAll("UsoSvc", "wuauserv")
	result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1"), false))
	if !th.state().isDirEmpty(dataStoreDir) {
		t.Fatal("DataStore not recreated empty")
	}
	th.call("Start-WurService", p("Name", "wuauserv", "TimeoutSec", 30), false)
	if _, e := th.state().LookupFile(dataStoreEDB); e == nil || e.Size != 0 || len(e.History) != 0 {
		t.Fatalf("new DataStore.edb: %+v", e)
	}
}

func TestSetServiceStartType(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]any
		want   scripts.SetStartTypeResult
	}{
		{"manual to automatic delayed", p("Name", "wuauserv", "StartType", "Automatic", "DelayedAutoStart", true),
			scripts.SetStartTypeResult{Name: "wuauserv", PreviousStartType: "Manual", StartType: "Automatic", DelayedAutoStart: true}},
		{"case-insensitive values", p("Name", "DOSVC", "StartType", "manual"),
			scripts.SetStartTypeResult{Name: "DoSvc", PreviousStartType: "Automatic", PreviousDelayedAutoStart: true, StartType: "Manual"}}, // the flag only counts for Automatic
		{"automatic not delayed", p("Name", "DoSvc", "StartType", "Automatic"),
			scripts.SetStartTypeResult{Name: "DoSvc", PreviousStartType: "Automatic", PreviousDelayedAutoStart: true, StartType: "Automatic"}},
		{"disabled", p("Name", "BITS", "StartType", "Disabled"),
			scripts.SetStartTypeResult{Name: "BITS", PreviousStartType: "Manual", StartType: "Disabled"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := hostFor(t, "healthy")
			got := result[scripts.SetStartTypeResult](t, th.call("Set-WurServiceStartType", tc.params, false))
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
			_, s := th.state().LookupService(tc.want.Name)
			if s.StartType != tc.want.StartType || s.delayedEffective() != tc.want.DelayedAutoStart || s.Status != statusRunning {
				t.Fatalf("afterwards %+v", s)
			}
		})
	}
	for _, st := range []string{"Boot", "System", "system", "Auto", "AutomaticDelayedStart"} {
		t.Run("refuses "+st, func(t *testing.T) {
			th := hostFor(t, "healthy")
			before := th.bytes()
			e := failure(t, th.call("Set-WurServiceStartType", p("Name", "wuauserv", "StartType", st), false))
			if e.FQID != "WurStartTypeRefused" || e.Category != "InvalidArgument" || th.bytes() != before {
				t.Fatalf("%+v", e)
			}
		})
	}
}

// The script stops the running dependents in ServiceController's order of
// all dependents (CryptSvc after wuauserv: AppIDSvc depends on it), and
// stops at the first that does not stop (learned from real pwsh).
func TestStopDependentsInServiceControllerOrder(t *testing.T) {
	th := hostFor(t, "healthy", func(sc *Scenario) { sc.Machine.Services["wuauserv"].StopBehavior = behaviorHang })
	r := result[scripts.StopServiceResult](t, th.call("Stop-WurService", p("Name", "RpcSs", "TimeoutSec", 5, "StopDependents", true), false))
	if want := []string{"BITS", "DoSvc", "UsoSvc"}; r.Stopped || !reflect.DeepEqual(r.StoppedDependents, want) {
		t.Fatalf("got %+v, want StoppedDependents %v", r, want)
	}
	if _, c := th.state().LookupService("CryptSvc"); c.Status != statusRunning {
		t.Fatalf("CryptSvc %+v", c)
	}
}

// Issue 20 item 8: each service script asks WMI once, by name, bounded by
// -OperationTimeoutSec (Get-WurServiceCim): a hung WMI costs one bound per
// request, not one per service, and far less than the request's timeout.
func TestHungWMICostsOneBoundedQuery(t *testing.T) {
	hung := func(sc *Scenario) { sc.Machine.Faults.WMI = wmiHung }
	for _, tc := range []struct {
		script string
		params map[string]any
		cost   time.Duration
	}{
		{"Get-WurServiceState", p("Names", []string{"wuauserv", "BITS", "CryptSvc", "UsoSvc", "DoSvc"}), wmiOperationTimeout},
		{"Get-WurServiceState", p("Names", []string{"NoSuchSvc"}), 0}, // no service found: WMI not asked
		{"Stop-WurService", p("Name", "wuauserv", "TimeoutSec", 30), wmiOperationTimeout},
		{"Set-WurServiceStartType", p("Name", "DoSvc", "StartType", "Automatic", "DelayedAutoStart", true), wmiOperationTimeout},
	} {
		if s, _ := scripts.MustLoad().Get(tc.script); time.Duration(s.TimeoutMs)*time.Millisecond < 3*tc.cost {
			t.Errorf("%s: its request timeout %d ms leaves no room for a hung WMI", tc.script, s.TimeoutMs)
		}
		// Within the bound: answered, with the HRESULT; just under it: timed out.
		env, _ := hostFor(t, "healthy", hung).callCrash(tc.script, tc.params, false, tc.cost.Milliseconds())
		if env.TimedOut || !env.OK {
			t.Errorf("%s %v: with %v the request should answer: %+v", tc.script, tc.params, tc.cost, env)
		}
		if tc.cost > 0 {
			env, _ = hostFor(t, "healthy", hung).callCrash(tc.script, tc.params, false, tc.cost.Milliseconds()-1)
			if !env.TimedOut {
				t.Errorf("%s %v: a hung WMI should cost %v of simulated time", tc.script, tc.params, tc.cost)
			}
		}
	}
}
