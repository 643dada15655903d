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

// timedInvoker answers the service scripts and records each request's timeout.
type timedInvoker struct {
	timeouts map[string]time.Duration
	stop     scripts.StopServiceResult
	start    scripts.StartServiceResult
	wmi      int64
}

func (s *timedInvoker) Invoke(_ context.Context, req ps.Request) (ps.Result, error) {
	if s.timeouts == nil {
		s.timeouts = map[string]time.Duration{}
	}
	s.timeouts[req.Name] = req.Timeout
	var out any
	switch req.Name {
	case "Get-WurServiceState":
		n := req.Params["Names"].([]string)[0]
		out = scripts.ServiceStateResult{WmiHResult: s.wmi, Services: []scripts.ServiceInfo{{Name: n, Exists: true, Status: "Running",
			StartType: "Manual", DependentServices: []string{}, ServicesDependedOn: []string{}}}}
	case "Stop-WurService":
		out = s.stop
	case "Start-WurService":
		out = s.start
	default:
		return ps.Result{}, errors.New("unexpected " + req.Name)
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return ps.Result{}, err
	}
	return ps.Result{Script: req.Name, OK: true, Output: []json.RawMessage{raw}}, nil
}

func newServiceRun(t *testing.T, inv Invoker, timeoutSec int) *Run {
	t.Helper()
	sd, key := testState(t)
	j, err := CreateJournal(sd, testRunID, key, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return &Run{ID: testRunID, State: sd, Host: NewHost(inv, scripts.MustLoad()), Journal: j, Facts: &Facts{},
		Options: Options{ServiceTimeoutSec: timeoutSec}}
}

// Issue 9 item 2: a script that waits for a service gets a request timeout
// longer than the service timeout, so --service-timeout 3600 never has
// PowerShell stop (or Go kill) a script that is waiting normally.
func TestServiceScriptsOutliveTheServiceTimeout(t *testing.T) {
	for _, sec := range []int{1, 60, 3600} {
		inv := &timedInvoker{
			stop:  scripts.StopServiceResult{Name: "wuauserv", Status: "Stopped", Stopped: true, StoppedDependents: []string{}},
			start: scripts.StartServiceResult{Name: "wuauserv", Status: "Running", Started: true},
		}
		r := newServiceRun(t, inv, sec)
		if err := r.stopService(context.Background(), "wuauserv"); err != nil {
			t.Fatal(err)
		}
		if err := r.startService(context.Background(), "wuauserv"); err != nil {
			t.Fatal(err)
		}
		wait := time.Duration(sec) * time.Second
		for _, name := range []string{"Stop-WurService", "Start-WurService"} {
			if got := inv.timeouts[name]; got < wait+time.Minute {
				t.Errorf("--service-timeout %d: %s request timeout %s, want at least the wait plus a minute", sec, name, got)
			}
		}
	}
}

// Issue 9 item 11: what the admin reads when the SCM refuses.
func TestServiceRefusalMessages(t *testing.T) {
	for _, tc := range []struct {
		action string
		code   int
		want   string
	}{
		{"stop", 5, "protected service"},
		{"stop", 1051, "depend on it are running"},
		{"stop", 1053, "did not respond"},
		{"stop", 1061, "cannot accept control"},
		{"start", 1058, "disabled"},
		{"start", 1068, "depends on could not start"},
		{"stop", 0, "did not stop within 60s"},
	} {
		inv := &timedInvoker{
			stop:  scripts.StopServiceResult{Name: "wuauserv", Status: "Running", ProcessId: 4412, StoppedDependents: []string{}, Win32Error: tc.code},
			start: scripts.StartServiceResult{Name: "wuauserv", Status: "Stopped", Win32Error: tc.code},
		}
		r := newServiceRun(t, inv, 60)
		var err error
		if tc.action == "stop" {
			err = r.stopService(context.Background(), "wuauserv")
		} else {
			err = r.startService(context.Background(), "wuauserv")
		}
		var se *ServiceStuckError
		if !errors.As(err, &se) || se.Win32Error != tc.code {
			t.Fatalf("%s %d: %v", tc.action, tc.code, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s %d: %q does not say %q", tc.action, tc.code, msg, tc.want)
		}
		if tc.code != 0 && strings.Contains(msg, "within") {
			t.Errorf("%s %d: a refusal is not a timeout: %q", tc.action, tc.code, msg)
		}
	}
}

// Issue 9 item 12: a WMI failure is journaled once and the run goes on.
func TestWMIFailureIsNotedOnce(t *testing.T) {
	inv := &timedInvoker{wmi: int64(int32(-2147217358)),
		stop: scripts.StopServiceResult{Name: "wuauserv", Status: "Stopped", Stopped: true, StoppedDependents: []string{}, WmiHResult: int64(int32(-2147217358))}}
	r := newServiceRun(t, inv, 60)
	if err := r.stopService(context.Background(), "wuauserv"); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rec := range r.Journal.Records() {
		if rec.Type == RecNote && strings.Contains(rec.Detail, "WMI did not answer (HRESULT 0x80041032)") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d WMI notes in the journal, want 1", n)
	}
	var found bool
	diagnoseServices(Facts{WmiHResult: int64(int32(-2147217358))}, func(f Finding) { found = found || f.ID == "wmi-unavailable" })
	if !found {
		t.Fatal("diagnose does not report the WMI failure")
	}
}

// setInvoker answers Set-WurServiceStartType with what the SCM reports.
type setInvoker struct{ res scripts.SetStartTypeResult }

func (s *setInvoker) Invoke(_ context.Context, req ps.Request) (ps.Result, error) {
	raw, err := json.Marshal(s.res)
	if err != nil {
		return ps.Result{}, err
	}
	return ps.Result{Script: req.Name, OK: true, Output: []json.RawMessage{raw}}, nil
}

// Issue 9 item 17: a start type counts as restored only when the SCM
// reports it afterwards.
func TestStartTypeVerifiedThroughSCM(t *testing.T) {
	for _, tc := range []struct {
		name    string
		typ     string
		delayed bool
		scm     scripts.SetStartTypeResult
		wantErr string
	}{
		{"restored", "Automatic", true, scripts.SetStartTypeResult{Name: "DoSvc", StartType: "Automatic", DelayedAutoStart: true}, ""},
		{"manual, flag ignored", "Manual", true, scripts.SetStartTypeResult{Name: "DoSvc", StartType: "Manual"}, ""},
		{"type not taken", "Manual", false, scripts.SetStartTypeResult{Name: "DoSvc", StartType: "Disabled"},
			"reports DoSvc as Disabled after setting it to Manual"},
		{"delayed flag not taken", "Automatic", true, scripts.SetStartTypeResult{Name: "DoSvc", StartType: "Automatic"},
			"reports DoSvc as Automatic after setting it to Automatic (delayed)"},
	} {
		r := newServiceRun(t, &setInvoker{res: tc.scm}, 60)
		err := r.setStartType(context.Background(), "DoSvc", tc.typ, tc.delayed)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

// Issue 19, item 7: the reset's stop list never holds AppIDSvc; where it
// runs, CryptSvc (which it depends on) and catroot2 are left alone; where
// it does not, a guard right before the CryptSvc stop checks again.
func TestResetStopsNeverAppIDSvc(t *testing.T) {
	for _, status := range []string{"Running", "Stopped"} {
		f := &Facts{Services: []scripts.ServiceInfo{{Name: "AppIDSvc", Exists: true, Status: status}}}
		stops, names, folders := resetStopsAndFolders(f)
		var stopped []string
		guardBeforeCrypt := false
		for _, s := range stops {
			switch s := s.(type) {
			case stopServices:
				stopped = append(stopped, s.names...)
			case appLockerGuard:
				guardBeforeCrypt = !containsFold(stopped, "CryptSvc")
			}
		}
		if containsFold(stopped, "AppIDSvc") || containsFold(names, "AppIDSvc") || strings.Join(stopped, ",") != strings.Join(names, ",") {
			t.Fatalf("%s: stops %v, names %v", status, stopped, names)
		}
		running := status == "Running"
		if containsFold(stopped, "CryptSvc") == running || containsFold(folders, "catroot2") == running || (!running && !guardBeforeCrypt) {
			t.Fatalf("AppIDSvc %s: stops %v, folders %v, guard before CryptSvc %v", status, stopped, folders, guardBeforeCrypt)
		}
	}
}

// The guard fails the step when AppIDSvc runs now (timedInvoker reports
// every service Running): the run rolls back rather than stop it.
func TestAppLockerGuardRefusesRunningAppIDSvc(t *testing.T) {
	r := newServiceRun(t, &timedInvoker{}, 5)
	if err := (appLockerGuard{}).Run(context.Background(), r); err == nil || !strings.Contains(err.Error(), "AppLocker") {
		t.Fatalf("guard with AppIDSvc running: %v", err)
	}
}
