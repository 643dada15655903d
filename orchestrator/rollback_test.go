package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
)

// stubInvoker answers scripts from a function and records every call.
type stubCall struct {
	Name   string
	Params map[string]any
}

// target is the service or path a call acts on.
func (c stubCall) target() string {
	if p, ok := c.Params["Path"].(string); ok {
		return p
	}
	n, _ := c.Params["Name"].(string)
	return n
}

type stubInvoker struct {
	calls  []stubCall
	answer func(name string, params map[string]any) (any, *ps.ErrorRecord)
}

func (s *stubInvoker) Invoke(_ context.Context, req ps.Request) (ps.Result, error) {
	s.calls = append(s.calls, stubCall{req.Name, req.Params})
	out, rec := s.answer(req.Name, req.Params)
	if rec != nil {
		return ps.Result{Script: req.Name, Errors: []ps.ErrorRecord{*rec}, HadErrors: true}, nil
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return ps.Result{}, err
	}
	return ps.Result{Script: req.Name, OK: true, Output: []json.RawMessage{raw}}, nil
}

// stubMachine: wuauserv running; renaming Download fails with disk full.
func stubMachine() *stubInvoker {
	status := map[string]string{"wuauserv": "Running"}
	renamed := map[string]bool{}
	return &stubInvoker{answer: func(name string, p map[string]any) (any, *ps.ErrorRecord) {
		switch name {
		case "Get-WurServiceState":
			n := p["Names"].([]string)[0]
			return scripts.ServiceStateResult{Services: []scripts.ServiceInfo{{Name: n, Exists: true, Status: status[n], StartType: "Manual", DependentServices: []string{}, ServicesDependedOn: []string{}}}}, nil
		case "Stop-WurService":
			n := p["Name"].(string)
			status[n] = "Stopped"
			return scripts.StopServiceResult{Name: n, PreviousStatus: "Running", Status: "Stopped", Stopped: true, StoppedDependents: []string{}}, nil
		case "Start-WurService":
			n := p["Name"].(string)
			status[n] = "Running"
			return scripts.StartServiceResult{Name: n, PreviousStatus: "Stopped", Status: "Running", Started: true}, nil
		case "Backup-WurFolder":
			path := p["Path"].(string)
			if strings.HasSuffix(path, "Download") {
				return nil, &ps.ErrorRecord{FQID: "System.IO.IOException,Backup-WurFolder", HResult: int64(int32(-2147024784)), Message: "disk full"}
			}
			renamed[path] = true
			return scripts.BackupFolderResult{Path: path, BackupPath: p["BackupPath"].(string), Renamed: true, Recreated: true, SecurityCopied: true}, nil
		case "Restore-WurFolder":
			path := p["Path"].(string)
			if !renamed[path] {
				return nil, &ps.ErrorRecord{FQID: "WurBackupMissing,Restore-WurFolder", Message: "no backup"}
			}
			delete(renamed, path)
			return scripts.RestoreFolderResult{Path: path, BackupPath: p["BackupPath"].(string), Restored: true}, nil
		}
		return nil, &ps.ErrorRecord{FQID: "Unexpected", Message: "unexpected script " + name}
	}}
}

func TestFailedStepRollsBackNewestFirst(t *testing.T) {
	inv := stubMachine()
	sd, key := testState(t)
	j, err := CreateJournal(sd, testRunID, key, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(Record{Type: RecRunStart, Run: &RunInfo{ID: testRunID, Plans: []string{"datastore"}}}); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	facts := &Facts{Folders: scripts.SoftwareDistributionResult{Folders: []scripts.FolderInfo{
		{Name: "DataStore", Path: `C:\Windows\SoftwareDistribution\DataStore`, Exists: true},
		{Name: "Download", Path: `C:\Windows\SoftwareDistribution\Download`, Exists: true},
	}}}
	run := &Run{ID: testRunID, State: sd, Host: NewHost(inv, scripts.MustLoad()), Journal: j, Facts: facts}
	outcome, err := run.Execute(context.Background(), []Step{
		stopServices{names: []string{"wuauserv"}},
		backupFolders{names: []string{"DataStore", "Download"}},
		startAgain{names: []string{"wuauserv"}},
	})
	var pe *PlanError
	if !errors.As(err, &pe) || pe.RollbackErr != nil || outcome != OutcomeRolledBack {
		t.Fatalf("outcome %s, err %v", outcome, err)
	}
	if HResultOf(pe.Err) != 0x80070070 {
		t.Fatalf("the failure should carry the disk-full HRESULT: %v", pe.Err)
	}
	var order []string
	for _, c := range inv.calls {
		if c.Name != "Get-WurServiceState" {
			order = append(order, c.Name+" "+c.target())
		}
	}
	want := []string{
		"Stop-WurService wuauserv",
		`Backup-WurFolder C:\Windows\SoftwareDistribution\DataStore`,
		`Backup-WurFolder C:\Windows\SoftwareDistribution\Download`,
		`Restore-WurFolder C:\Windows\SoftwareDistribution\Download`, // never renamed: WurBackupMissing, nothing to undo
		`Restore-WurFolder C:\Windows\SoftwareDistribution\DataStore`,
		"Start-WurService wuauserv",
	}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	recs, err := ReadRun(sd, testRunID, key)
	if err != nil {
		t.Fatal(err)
	}
	sum := Summarize("x", recs, nil)
	if sum.Outcome != OutcomeRolledBack || sum.Changes != 3 || sum.Undone != 3 {
		t.Fatalf("summary %+v", sum)
	}
	// Running the rollback again from the journal is harmless: nothing left.
	before := len(inv.calls)
	if err := run.Rollback(context.Background(), recs); err != nil || len(inv.calls) != before {
		t.Fatalf("second rollback: %v, %d new calls", err, len(inv.calls)-before)
	}
}

// A dry run must never send an action, even if a step tried.
func TestCheckModeRefusesActions(t *testing.T) {
	inv := stubMachine()
	h := NewHost(inv, scripts.MustLoad())
	h.CheckMode = true
	_, err := call[scripts.StopServiceResult](context.Background(), h, "Stop-WurService", map[string]any{"Name": "wuauserv", "TimeoutSec": 5})
	if err == nil || len(inv.calls) != 0 {
		t.Fatalf("action sent in check mode: %v, calls %v", err, inv.calls)
	}
}

// Parameters are checked against the manifest before anything is sent.
func TestCallChecksParams(t *testing.T) {
	inv := stubMachine()
	h := NewHost(inv, scripts.MustLoad())
	_, err := call[scripts.StopServiceResult](context.Background(), h, "Stop-WurService", map[string]any{"Name": "wuauserv"})
	if !errors.Is(err, scripts.ErrParams) || len(inv.calls) != 0 {
		t.Fatalf("missing TimeoutSec: %v, calls %v", err, inv.calls)
	}
}
