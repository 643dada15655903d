package orchestrator

import (
	"context"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
)

// newStubRun is a run of the datastore plan over a stub host.
func newStubRun(t *testing.T, inv *stubInvoker) (*Run, func() []Record) {
	t.Helper()
	sd, key := testState(t)
	j, err := CreateJournal(sd, testRunID, key, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Close() })
	if _, err := j.Append(Record{Type: RecRunStart, Run: &RunInfo{ID: testRunID, Plans: []string{"datastore"}}}); err != nil {
		t.Fatal(err)
	}
	facts := &Facts{Folders: scripts.SoftwareDistributionResult{Folders: []scripts.FolderInfo{
		{Name: "DataStore", Path: `C:\Windows\SoftwareDistribution\DataStore`, Exists: true},
	}}}
	run := &Run{ID: testRunID, State: sd, Host: NewHost(inv, scripts.MustLoad()), Journal: j, Facts: facts}
	return run, func() []Record {
		recs, err := ReadRun(sd, testRunID, key)
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
}

// Issue 9 item 10: renaming DataStore while wuauserv came back fails with
// the Win32 code Directory.Move reports (0x80070005 for a folder holding an
// open file): the run stops wuauserv again, once, and retries. The bare
// IOException (0x80131620) that Rename-Item gave on Windows PowerShell 5.1
// carries no code: nothing retries it.
func TestBackupInUseStopsAgainAndRetries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hresult int64
		retried bool
	}{
		{"access denied (a file inside is open)", int64(int32(-2147024891)), true},  // 0x80070005
		{"sharing violation", int64(int32(-2147024864)), true},                      // 0x80070020
		{"bare IOException (Rename-Item on 5.1)", int64(int32(-2146232800)), false}, // 0x80131620
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := stubMachine()
			base := inv.answer
			failed := false
			inv.answer = func(name string, p map[string]any) (any, *ps.ErrorRecord) {
				if name == "Backup-WurFolder" && !failed {
					failed = true
					// The trigger started wuauserv again: it holds DataStore.edb.
					base("Start-WurService", map[string]any{"Name": "wuauserv"})
					return nil, &ps.ErrorRecord{FQID: "WurRenameFailed", Category: "WriteError", ExceptionType: "System.IO.IOException", HResult: tc.hresult, Message: "Access to the path is denied."}
				}
				return base(name, p)
			}
			run, records := newStubRun(t, inv)
			_, err := run.Execute(context.Background(), []Step{
				stopServices{names: []string{"wuauserv"}},
				backupFolders{names: []string{"DataStore"}},
			})
			var order []string
			for _, c := range inv.calls {
				if c.Name != "Get-WurServiceState" {
					order = append(order, c.Name)
				}
			}
			got := strings.Join(order, ",")
			if tc.retried {
				if err != nil || got != "Stop-WurService,Backup-WurFolder,Stop-WurService,Backup-WurFolder" {
					t.Fatalf("err %v, calls %s", err, got)
				}
				noted := false
				for _, r := range records() {
					noted = noted || r.Type == RecNote && strings.Contains(r.Detail, "came back")
				}
				if !noted {
					t.Error("the journal does not say why wuauserv was stopped again")
				}
				return
			}
			if err == nil || strings.Count(got, "Backup-WurFolder") != 1 {
				t.Fatalf("err %v, calls %s: a failure without a Win32 code must not be retried", err, got)
			}
		})
	}
}

// Issue 9 item 15: a history that cannot be read is data: the plan goes on
// and the journal says what was not saved and why.
func TestHistoryUnavailableGoesOnWithANote(t *testing.T) {
	inv := stubMachine()
	base := inv.answer
	inv.answer = func(name string, p map[string]any) (any, *ps.ErrorRecord) {
		if name == "Get-WurUpdateHistory" {
			return scripts.UpdateHistoryResult{Available: false, FailedCall: "GetTotalHistoryCount", HResult: int64(int32(-2147023838)), Entries: []scripts.HistoryEntry{}}, nil
		}
		return base(name, p)
	}
	run, records := newStubRun(t, inv)
	if _, err := run.Execute(context.Background(), []Step{exportHistory{}, stopServices{names: []string{"wuauserv"}}}); err != nil {
		t.Fatalf("the plan stopped on an unreadable history: %v", err)
	}
	found := false
	for _, r := range records() {
		if r.Kind == KindHistoryExport {
			t.Errorf("a history export was journaled although nothing was saved: %+v", r)
		}
		found = found || r.Type == RecNote && strings.Contains(r.Detail, "GetTotalHistoryCount failed with 0x80070422")
	}
	if !found {
		t.Error("no journal note names the failed call and its HRESULT")
	}
}
