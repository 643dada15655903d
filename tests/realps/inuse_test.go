package realps

import (
	"os"
	"os/exec"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// denyRenames makes renames inside dir fail on the real disk, as Windows
// refuses to rename a folder while a service holds a file in it (MoveFile:
// ERROR_ACCESS_DENIED). Not root: the folder is made read-only. Root
// ignores permissions: the folder is made immutable (chattr +i), which
// stops root too. It returns the undo.
func denyRenames(t *testing.T, dir string) func() {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		return func() { _ = os.Chmod(dir, 0o755) }
	}
	if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
		t.Skipf("NOT RUN: running as root and chattr +i %s failed (%v: %s): no way to make a rename fail", dir, err, out)
	}
	return func() { _ = exec.Command("chattr", "-i", dir).Run() }
}

// Issue 9 item 10: a rename that Windows refuses is reported as
// WurRenameFailed with the Win32 code (an IOException, 0x80070005 for a
// folder holding an open file), the shape tests/fakehost gives by default
// for a folder a running service holds. The scripts used Rename-Item,
// which on 5.1 throws a bare IOException (0x80131620) and on pwsh
// Rename-Item's own error ids: either way the reply did not carry the
// code the orchestrator's stop-again-and-retry path waits for.
func TestFolderRenameInUse(t *testing.T) {
	m := newMachine(t, scenarioPath(t, "healthy")) // wuauserv runs and holds DataStore.edb
	e := newEngines(t, m, "Machine.ps1", "Registry.ps1", "Services.ps1", "Security.ps1")
	undo := denyRenames(t, m.local(sd))
	t.Cleanup(undo)
	bk := scripts.BackupFolderResult{}
	backup := ds + ".wurepair-" + runA
	p := map[string]any{"Path": ds, "BackupPath": backup}
	untouched := func(t *testing.T, m *machine) {
		if exists(t, m.local(backup)) || !exists(t, m.local(ds+`\DataStore.edb`)) {
			t.Error("a failed rename changed the disk")
		}
	}
	runSteps(t, e, []step{
		{name: "backup DataStore in use", script: "Backup-WurFolder", params: p, fqid: "WurRenameFailed", typ: bk},
	})
	untouched(t, m)
	o := e.both("Backup-WurFolder", p, false)
	if len(o.real.Errors) == 0 || uint32(o.real.Errors[0].HResult) != 0x80070005 || o.real.Errors[0].ExceptionType != "System.IO.IOException" {
		t.Errorf("real pwsh: want IOException 0x80070005, got %s", records(o.real.Errors))
	}

	// Once the folder can be renamed: back it up, let wuauserv write a new
	// DataStore.edb, and restore while it holds that one.
	undo()
	runSteps(t, e, []step{
		{name: "stop UsoSvc", script: "Stop-WurService", params: map[string]any{"Name": "UsoSvc", "TimeoutSec": 5}, typ: scripts.StopServiceResult{}},
		{name: "stop wuauserv", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: scripts.StopServiceResult{}},
		{name: "backup DataStore", script: "Backup-WurFolder", params: p, typ: bk},
		{name: "start wuauserv", script: "Start-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: scripts.StartServiceResult{}},
	})
	undo = denyRenames(t, m.local(sd))
	runSteps(t, e, []step{
		{name: "restore while wuauserv holds the new DataStore.edb", script: "Restore-WurFolder",
			params: map[string]any{"Path": ds, "BackupPath": backup, "SetAsidePath": backup + "-aside"}, fqid: "WurRenameFailed", typ: scripts.RestoreFolderResult{},
			check: func(t *testing.T, m *machine, _ any) {}},
	})
	undo()
	if !exists(t, m.local(backup+`\DataStore.edb`)) || exists(t, m.local(backup+"-aside")) {
		t.Error("a failed restore moved something")
	}
}
