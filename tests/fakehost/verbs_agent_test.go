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
		{"healthy", scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: true, AgentVersion: "10.0.19041.4355"}},
		{"kb943144", scripts.AgentProbeResult{SessionCreated: true, HResult: -2147221164, AgentVersion: "10.0.19041.4355"}},
		{"kb943144-x86", scripts.AgentProbeResult{SessionCreated: true, HResult: -2147221164, AgentVersion: "10.0.19041.4355"}},
		{"components", scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: true, AgentVersion: "10.0.19041.4355"}},
	} {
		th := hostFor(t, tc.scenario)
		before := th.bytes()
		if got := result[scripts.AgentProbeResult](t, th.call("Test-WurUpdateAgent", nil, false)); got != tc.want {
			t.Fatalf("%s: %+v", tc.scenario, got)
		}
		if th.bytes() != before {
			t.Fatal("the probe changed the machine")
		}
	}
}

func TestUpdateErrors(t *testing.T) {
	th := hostFor(t, "0x80070002")
	got := result[scripts.UpdateErrorsResult](t, th.call("Get-WurUpdateErrors", p("Days", 30), false))
	want := []scripts.UpdateErrorEvent{
		{TimeCreated: "2024-05-30T03:12:40.0000000Z", EventId: 20, HResult: "0x80070002", KB: "KB5034441", UpdateId: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67"},
		{TimeCreated: "2024-05-29T15:41:09.0000000Z", EventId: 25, HResult: "0x80242006"},
		{TimeCreated: "2024-05-27T03:10:02.0000000Z", EventId: 20, HResult: "0x80070002", KB: "KB5034441", UpdateId: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67"},
		{TimeCreated: "2024-05-26T22:03:55.0000000Z", EventId: 31, HResult: "0x80070002", KB: "KB5034441", UpdateId: "a3c1b1d6-7e2f-4a9b-b5c8-3d0e4f1a2b67"},
	}
	if !got.LogAvailable || !reflect.DeepEqual(got.Events, want) {
		t.Fatalf("got %+v", got)
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
	if got.Count != 5 || len(got.Entries) != 5 || got.Entries[0].HResult != -2147024894 || got.Entries[0].ResultCode != 4 ||
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
	for _, tc := range []struct {
		name     string
		scenario string
		mutate   func(*Scenario)
		hr       HResult
	}{
		{"wuauserv disabled", "healthy", func(sc *Scenario) {
			s := sc.Machine.Services["wuauserv"]
			s.Status, s.ProcessID, s.StartType = statusStopped, 0, startDisabled
		}, hrServiceDisabled},
		{"wups2 unregistered", "kb943144", func(*Scenario) {}, hrClassNotRegistered},
	} {
		th := hostFor(t, tc.scenario, tc.mutate)
		e := failure(t, th.call("Get-WurUpdateHistory", nil, false))
		if e.HResult != tc.hr.Int64() || e.ExceptionType != "System.Runtime.InteropServices.COMException" {
			t.Fatalf("%s: %+v", tc.name, e)
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
}
