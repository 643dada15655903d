package orchestrator

import (
	"context"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
)

// rollbackOf journals recs (after a run-start) in a fresh run and rolls
// them back against inv; it returns the records and the rollback's error.
func rollbackOf(t *testing.T, inv *stubInvoker, recs ...Record) ([]Record, error) {
	t.Helper()
	sd, key := testState(t)
	j, err := CreateJournal(sd, testRunID, key, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, r := range append([]Record{{Type: RecRunStart, Run: &RunInfo{ID: testRunID, Plans: []string{"datastore"}}}}, recs...) {
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	run := &Run{ID: testRunID, State: sd, Host: NewHost(inv, scripts.MustLoad()), Journal: j, Now: fixedNow}
	err = run.Rollback(context.Background(), j.Records())
	return j.Records(), err
}

func actions(inv *stubInvoker) []string {
	var out []string
	for _, c := range inv.calls {
		if strings.HasPrefix(c.Name, "Get-") {
			continue
		}
		s := c.Name + " " + c.target()
		if st, ok := c.Params["StartType"].(string); ok {
			s += " " + st
			if d, _ := c.Params["DelayedAutoStart"].(bool); d {
				s += " delayed"
			}
		}
		out = append(out, s)
	}
	return out
}

// A start-type change is undone to the exact prior type, delayed flag
// included, never to a default.
func TestUndoStartTypeExact(t *testing.T) {
	inv := &stubInvoker{answer: func(name string, p map[string]any) (any, *ps.ErrorRecord) {
		return scripts.SetStartTypeResult{Name: p["Name"].(string), StartType: p["StartType"].(string), DelayedAutoStart: p["DelayedAutoStart"].(bool)}, nil
	}}
	_, err := rollbackOf(t, inv,
		Record{Type: RecIntent, Kind: KindStartType, Target: "wuauserv", Prior: &Prior{StartType: "Automatic", DelayedAutoStart: true}},
		Record{Type: RecDone, Ref: 2})
	if got := strings.Join(actions(inv), "|"); err != nil || got != "Set-WurServiceStartType wuauserv Automatic delayed" {
		t.Fatalf("%v: %s", err, got)
	}
}

// A service stop with running dependents: the service comes back with its
// recorded start type, then its dependents (only real ones).
func TestUndoServiceStopWithDependents(t *testing.T) {
	status := map[string]string{"wuauserv": "Stopped", "WaaSMedicSvc": "Stopped", "Intruder": "Stopped"}
	inv := &stubInvoker{answer: func(name string, p map[string]any) (any, *ps.ErrorRecord) {
		switch name {
		case "Get-WurServiceState":
			n := p["Names"].([]string)[0]
			return scripts.ServiceStateResult{Services: []scripts.ServiceInfo{{Name: n, Exists: true, Status: status[n], StartType: "Manual",
				DependentServices: []string{"WaaSMedicSvc"}, ServicesDependedOn: []string{}}}}, nil
		case "Start-WurService":
			n := p["Name"].(string)
			status[n] = "Running"
			return scripts.StartServiceResult{Name: n, Status: "Running", Started: true}, nil
		}
		return nil, &ps.ErrorRecord{FQID: "Unexpected", Message: name}
	}}
	_, err := rollbackOf(t, inv,
		Record{Type: RecIntent, Kind: KindServiceStop, Target: "wuauserv", Prior: &Prior{Status: "Running", StartType: "Manual"}},
		Record{Type: RecNote, Ref: 2, Dependents: []string{"WaaSMedicSvc"}},
		Record{Type: RecDone, Ref: 2})
	if got := strings.Join(actions(inv), "|"); err != nil || got != "Start-WurService wuauserv|Start-WurService WaaSMedicSvc" {
		t.Fatalf("%v: %s", err, got)
	}
	// A "dependent" that is not one is never started.
	inv.calls = nil
	status["wuauserv"] = "Stopped"
	_, err = rollbackOf(t, inv,
		Record{Type: RecIntent, Kind: KindServiceStop, Target: "wuauserv", Prior: &Prior{Status: "Running", StartType: "Manual"}},
		Record{Type: RecNote, Ref: 2, Dependents: []string{"Intruder"}},
		Record{Type: RecDone, Ref: 2})
	if err == nil || status["Intruder"] != "Stopped" {
		t.Fatalf("a false dependent was started: %v %v", err, actions(inv))
	}
}

// A service the run started again (or a trigger restarted and the run
// stopped again) is stopped before the folders are restored.
func TestUndoServiceStartStopsItAgain(t *testing.T) {
	status := map[string]string{"wuauserv": "Running"}
	inv := &stubInvoker{answer: func(name string, p map[string]any) (any, *ps.ErrorRecord) {
		switch name {
		case "Get-WurServiceState":
			n := p["Names"].([]string)[0]
			return scripts.ServiceStateResult{Services: []scripts.ServiceInfo{{Name: n, Exists: true, Status: status[n], StartType: "Manual", DependentServices: []string{}, ServicesDependedOn: []string{}}}}, nil
		case "Stop-WurService":
			n := p["Name"].(string)
			status[n] = "Stopped"
			return scripts.StopServiceResult{Name: n, Status: "Stopped", Stopped: true, StoppedDependents: []string{}}, nil
		case "Restore-WurFolder":
			if status["wuauserv"] != "Stopped" {
				return nil, &ps.ErrorRecord{FQID: "System.IO.IOException,Restore-WurFolder", HResult: int64(int32(-2147024864)), Message: "in use"}
			}
			return scripts.RestoreFolderResult{Path: p["Path"].(string), Restored: true}, nil
		case "Start-WurService":
			n := p["Name"].(string)
			status[n] = "Running"
			return scripts.StartServiceResult{Name: n, Status: "Running", Started: true}, nil
		}
		return nil, &ps.ErrorRecord{FQID: "Unexpected", Message: name}
	}}
	ds := `C:\Windows\SoftwareDistribution\DataStore`
	_, err := rollbackOf(t, inv,
		Record{Type: RecIntent, Kind: KindServiceStop, Target: "wuauserv", Prior: &Prior{Status: "Running", StartType: "Manual"}},
		Record{Type: RecDone, Ref: 2},
		Record{Type: RecIntent, Kind: KindFolderBackup, Target: ds, Backup: ds + ".wurepair-" + testRunID},
		Record{Type: RecDone, Ref: 4},
		Record{Type: RecIntent, Kind: KindServiceStart, Target: "wuauserv", Prior: &Prior{Status: "Stopped", StartType: "Manual"}},
		Record{Type: RecDone, Ref: 6})
	want := "Stop-WurService wuauserv|Restore-WurFolder " + ds + "|Start-WurService wuauserv"
	if got := strings.Join(actions(inv), "|"); err != nil || got != want {
		t.Fatalf("%v:\n%s\nwant\n%s", err, got, want)
	}
	if sa := inv.calls[len(inv.calls)-3].Params["SetAsidePath"].(string); strings.Contains(sa, testRunID) || !strings.HasSuffix(sa, "-rollback") ||
		!strings.HasPrefix(sa, ds+".wurepair-20261123T090000Z-") {
		t.Fatalf("what the rollback sets aside is dated by the rollback, not the run: %s", sa)
	}
}

// A pruned backup cannot come back: its undo says so, changes nothing and
// does not fail the rollback.
func TestUndoBackupRemoval(t *testing.T) {
	inv := &stubInvoker{answer: func(name string, p map[string]any) (any, *ps.ErrorRecord) {
		return nil, &ps.ErrorRecord{FQID: "Unexpected", Message: name}
	}}
	recs, err := rollbackOf(t, inv,
		Record{Type: RecIntent, Kind: KindBackupRemove, Target: `C:\Windows\SoftwareDistribution\DataStore.wurepair-20240101T000000Z-abcdef`},
		Record{Type: RecDone, Ref: 2})
	last := recs[len(recs)-1]
	if err != nil || len(inv.calls) != 0 || last.Type != RecUndone || !strings.Contains(last.Detail, "cannot be restored") {
		t.Fatalf("%v, calls %v, %+v", err, inv.calls, last)
	}
}

// Undo acts only on what the run's plans change: a record naming another
// service or folder (even one another plan changes), or a backup name
// this run does not make, is refused, with no script call.
func TestUndoRefusesWhatWurepairDoesNotChange(t *testing.T) {
	for _, rec := range []Record{
		{Type: RecIntent, Kind: KindServiceStop, Target: "msiserver", Prior: &Prior{Status: "Running", StartType: "Automatic"}},
		{Type: RecIntent, Kind: KindServiceStop, Target: "CryptSvc", Prior: &Prior{Status: "Running", StartType: "Disabled"}}, // reset's, not datastore's
		{Type: RecIntent, Kind: KindFolderBackup, Target: `C:\Windows\System32\catroot2`, Backup: `C:\Windows\System32\catroot2.wurepair-` + testRunID},
		{Type: RecIntent, Kind: KindStartType, Target: "CryptSvc", Prior: &Prior{StartType: "Boot"}},
		{Type: RecIntent, Kind: KindFolderBackup, Target: `C:\Windows\System32\config`, Backup: `C:\Windows\System32\config.wurepair-` + testRunID},
		{Type: RecIntent, Kind: KindFolderBackup, Target: `C:\Windows\SoftwareDistribution\DataStore`, Backup: `C:\Windows\SoftwareDistribution\DataStore.wurepair-20240101T000000Z-abcdef`},
	} {
		inv := &stubInvoker{answer: func(name string, p map[string]any) (any, *ps.ErrorRecord) {
			return nil, &ps.ErrorRecord{FQID: "Unexpected", Message: name}
		}}
		_, err := rollbackOf(t, inv, rec)
		if err == nil || !strings.Contains(err.Error(), "refused") || len(inv.calls) != 0 {
			t.Errorf("%s %s: %v, calls %v", rec.Kind, rec.Target, err, inv.calls)
		}
	}
}
