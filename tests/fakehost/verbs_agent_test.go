package fakehost

import (
	"reflect"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

func TestUpdateAgentProbe(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		want     scripts.AgentProbeResult
	}{
		{"healthy", scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: true, ServiceReached: true, AgentVersion: "10.0.19041.4355"}},
		{"kb943144", scripts.AgentProbeResult{SessionCreated: true, FailedCall: "CreateUpdateSearcher", HResult: -2147221164, AgentVersion: "10.0.19041.4355"}},
		{"kb943144-x86", scripts.AgentProbeResult{SessionCreated: true, FailedCall: "CreateUpdateSearcher", HResult: -2147221164, AgentVersion: "10.0.19041.4355"}},
		{"components", scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: true, ServiceReached: true, AgentVersion: "10.0.19041.4355"}},
	} {
		th := hostFor(t, tc.scenario)
		before := th.bytes()
		if got := result[scripts.AgentProbeResult](t, th.call("Test-WurUpdateAgent", p("ReachService", true), false)); got != tc.want {
			t.Fatalf("%s: %+v", tc.scenario, got)
		}
		if th.bytes() != before {
			t.Fatal("the probe changed the machine")
		}
	}
}

// Issue 9 item 16: the probe reaches the service, and says which call
// failed: a proxy/stub not registered fails GetTotalHistoryCount with
// 0x80004002, a disabled wuauserv with 0x80070422.
func TestUpdateAgentProbeReachesTheService(t *testing.T) {
	proxy := hostFor(t, "healthy", func(sc *Scenario) {
		sc.Machine.Faults.AgentFails = map[string]HResult{"GetTotalHistoryCount": 0x80004002}
	})
	want := scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: true, FailedCall: "GetTotalHistoryCount", HResult: -2147467262, AgentVersion: "10.0.19041.4355"}
	if got := result[scripts.AgentProbeResult](t, proxy.call("Test-WurUpdateAgent", p("ReachService", true), false)); got != want {
		t.Fatalf("proxy/stub: %+v", got)
	}
	disabled := hostFor(t, "healthy", func(sc *Scenario) {
		s := sc.Machine.Services["wuauserv"]
		s.Status, s.ProcessID, s.StartType = statusStopped, 0, startDisabled
	})
	want.HResult = hrServiceDisabled.Int64()
	if got := result[scripts.AgentProbeResult](t, disabled.call("Test-WurUpdateAgent", p("ReachService", true), false)); got != want {
		t.Fatalf("disabled: %+v", got)
	}
	// Reaching the service starts a stopped (Manual) wuauserv, as COM does;
	// without ReachService nothing crosses to it and nothing starts.
	stopped := hostFor(t, "healthy")
	stopped.stopAll("UsoSvc", "wuauserv")
	before := stopped.bytes()
	if got := result[scripts.AgentProbeResult](t, stopped.call("Test-WurUpdateAgent", nil, false)); got.ServiceReached || !got.SearcherCreated || got.FailedCall != "" {
		t.Fatalf("not reaching: %+v", got)
	}
	if stopped.bytes() != before {
		t.Fatal("the probe without ReachService changed the machine")
	}
	if got := result[scripts.AgentProbeResult](t, stopped.call("Test-WurUpdateAgent", p("ReachService", true), false)); !got.ServiceReached {
		t.Fatalf("stopped: %+v", got)
	}
	if _, wu := stopped.state().LookupService("wuauserv"); wu.Status != statusRunning {
		t.Fatalf("wuauserv %+v", wu)
	}
}

func TestUpdateErrors(t *testing.T) {
	th := hostFor(t, "0x80070002")
	got := result[scripts.UpdateErrorsResult](t, th.call("Get-WurUpdateErrors", p("Days", 30), false))
	want := []scripts.UpdateErrorEvent{
		// Events about an update carry their service (Windows Update's);
		// the scan failure carries none.
		{TimeCreated: "2024-05-30T03:12:40.0000000Z", EventId: 31, HResult: "0x80070002", KB: "KB5034441", UpdateId: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67", ServiceId: WindowsUpdateService},
		{TimeCreated: "2024-05-29T15:41:09.0000000Z", EventId: 25, HResult: "0x80242006"},
		{TimeCreated: "2024-05-27T03:10:02.0000000Z", EventId: 31, HResult: "0x80070002", KB: "KB5034441", UpdateId: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67", ServiceId: WindowsUpdateService},
		{TimeCreated: "2024-05-26T22:03:55.0000000Z", EventId: 31, HResult: "0x80070002", KB: "KB5034441", UpdateId: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67", ServiceId: WindowsUpdateService},
	}
	if !got.LogAvailable || !reflect.DeepEqual(got.Events, want) {
		t.Fatalf("got %+v", got)
	}
	store := hostFor(t, "store-app-0x80070002")
	if got := result[scripts.UpdateErrorsResult](t, store.call("Get-WurUpdateErrors", p("Days", 30), false)); len(got.Events) != 2 || got.Events[0].ServiceId != "855e8a7c-ecb4-4ca3-b045-1dfa50104289" {
		t.Fatalf("store app: %+v", got.Events)
	}
	if got := result[scripts.UpdateErrorsResult](t, th.call("Get-WurUpdateErrors", p("Days", 90), false)); len(got.Events) != 5 {
		t.Fatalf("90 days: %+v", got.Events)
	}
	if got := result[scripts.UpdateErrorsResult](t, hostFor(t, "healthy").call("Get-WurUpdateErrors", p("Days", 30), false)); len(got.Events) != 0 {
		t.Fatalf("healthy: %+v", got.Events)
	}
	noLog := hostFor(t, "healthy", func(sc *Scenario) { sc.Machine.UpdateLog = UpdateLog{} })
	if got := result[scripts.UpdateErrorsResult](t, noLog.call("Get-WurUpdateErrors", p("Days", 30), false)); got.LogAvailable || len(got.Events) != 0 {
		t.Fatalf("no log: %+v", got)
	}
	many := hostFor(t, "healthy", func(sc *Scenario) {
		for i := 0; i < 250; i++ {
			sc.Machine.UpdateLog.Events = append(sc.Machine.UpdateLog.Events, UpdateEvent{Time: "2024-05-31T00:00:00Z", EventID: 31, HResult: 0x80246007})
		}
	})
	if got := result[scripts.UpdateErrorsResult](t, many.call("Get-WurUpdateErrors", p("Days", 30), false)); len(got.Events) != maxUpdateErrors {
		t.Fatalf("%d events", len(got.Events))
	}
}

func TestUpdateHistory(t *testing.T) {
	th := hostFor(t, "0x80070002")
	got := result[scripts.UpdateHistoryResult](t, th.call("Get-WurUpdateHistory", nil, false))
	if !got.Available || got.Count != 5 || len(got.Entries) != 5 || got.Entries[0].HResult != -2147024894 || got.Entries[0].ResultCode != 4 ||
		got.Entries[0].Date != "2024-05-30T03:12:40.0000000Z" {
		t.Fatalf("%+v", got)
	}
	// QueryHistory starts a stopped wuauserv (COM demand start).
	th.stopAll("UsoSvc", "wuauserv")
	result[scripts.UpdateHistoryResult](t, th.call("Get-WurUpdateHistory", nil, false))
	if _, wu := th.state().LookupService("wuauserv"); wu.Status != statusRunning {
		t.Fatalf("wuauserv %+v", wu)
	}
	// The history lives in DataStore.edb: a reset loses it, a restore brings it back.
	th.stopAll("wuauserv")
	result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1"), false))
	if got := result[scripts.UpdateHistoryResult](t, th.call("Get-WurUpdateHistory", nil, false)); got.Count != 0 {
		t.Fatalf("after the reset: %+v", got)
	}
	th.stopAll("wuauserv")
	result[scripts.RestoreFolderResult](t, th.call("Restore-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1", "SetAsidePath", dataStoreDir+".wurepair-r1-new"), false))
	if got := result[scripts.UpdateHistoryResult](t, th.call("Get-WurUpdateHistory", nil, false)); got.Count != 5 {
		t.Fatalf("after the restore: %+v", got)
	}
	// Issue 9 item 15: a failure is data (the reset goes on without the
	// history), naming the call and its HRESULT.
	for _, tc := range []struct {
		name     string
		scenario string
		mutate   func(*Scenario)
		call     string
		hr       HResult
	}{
		{"wuauserv disabled", "healthy", func(sc *Scenario) {
			s := sc.Machine.Services["wuauserv"]
			s.Status, s.ProcessID, s.StartType = statusStopped, 0, startDisabled
		}, "GetTotalHistoryCount", hrServiceDisabled},
		{"wups2 unregistered", "kb943144", func(*Scenario) {}, "CreateUpdateSearcher", hrClassNotRegistered},
		{"damaged DataStore", "0x80070002", func(sc *Scenario) {
			sc.Machine.Faults.AgentFails = map[string]HResult{"QueryHistory": 0x80248007}
		}, "QueryHistory", 0x80248007},
	} {
		th := hostFor(t, tc.scenario, tc.mutate)
		got := result[scripts.UpdateHistoryResult](t, th.call("Get-WurUpdateHistory", nil, false))
		if got.Available || got.FailedCall != tc.call || got.HResult != tc.hr.Int64() || got.Count != 0 || len(got.Entries) != 0 {
			t.Fatalf("%s: %+v", tc.name, got)
		}
	}
}

func TestPendingReboot(t *testing.T) {
	if got := result[scripts.PendingRebootResult](t, hostFor(t, "healthy").call("Get-WurPendingReboot", nil, false)); got.RebootPending || len(got.Reasons) != 0 {
		t.Fatalf("%+v", got)
	}
	th := hostFor(t, "healthy", func(sc *Scenario) { sc.Machine.PendingReboot = []string{"PendingFileRename", "CBSRebootPending"} })
	got := result[scripts.PendingRebootResult](t, th.call("Get-WurPendingReboot", nil, false))
	if !got.RebootPending || !reflect.DeepEqual(got.Reasons, []string{"CBSRebootPending", "PendingFileRename"}) {
		t.Fatalf("%+v", got)
	}
	for _, tc := range []struct {
		reasons []string
		want    bool
	}{
		{[]string{"PendingFileRename2", "PendingFileRename"}, false},
		{[]string{"PendingXml"}, true},
		{[]string{"CBSPackagesPending"}, true},
		{[]string{"CBSRebootInProgress"}, true},
		{[]string{"WUServicesPending"}, true},
		{[]string{"UpdateExeVolatile"}, true},
	} {
		th := hostFor(t, "healthy", func(sc *Scenario) { sc.Machine.PendingReboot = tc.reasons })
		if got := result[scripts.PendingRebootResult](t, th.call("Get-WurPendingReboot", nil, false)); got.RebootPending != tc.want {
			t.Errorf("%v: %+v", tc.reasons, got)
		}
	}
	if got := result[scripts.PendingRebootResult](t, hostFor(t, "pending-reboot").call("Get-WurPendingReboot", nil, false)); !got.RebootPending ||
		!reflect.DeepEqual(got.Reasons, []string{"CBSRebootPending", "PendingXml", "WURebootRequired"}) {
		t.Fatalf("pending-reboot: %+v", got)
	}
}
