package fakehost

import (
	"reflect"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// Issue 20 item 4: Get-WurFileHolders names the running services and the
// processes (not services) holding files under a folder, as the Restart
// Manager does; it never follows a junction and refuses paths that are
// not local folders. A process holding a file makes the rename fail, as a
// service does.
func TestFileHolders(t *testing.T) {
	moUso := func(sc *Scenario) {
		sc.Machine.Processes = map[string]*Process{"MoUsoCoreWorker.exe": {ProcessID: 7788, Description: "MoUSO Core Worker Process",
			Holds: []string{downloadDir + `\0c5d5f3a1b9e4c7d8f2a6b1e3c9d7f40\Windows10.0-KB5034441-x64.cab`}}}
	}
	th := hostFor(t, "0x80070002", moUso)
	got := result[scripts.FileHoldersResult](t, th.call("Get-WurFileHolders", p("Path", dataStoreDir), false))
	want := []scripts.FileHolder{{ProcessId: 4412, Name: "Windows Update", ServiceName: "wuauserv", ApplicationType: 3, ProcessName: "svchost"}}
	if !reflect.DeepEqual(got.Holders, want) || got.FilesChecked != 9 || got.Truncated || got.Win32Error != 0 {
		t.Fatalf("DataStore: %+v", got)
	}
	got = result[scripts.FileHoldersResult](t, th.call("Get-WurFileHolders", p("Path", downloadDir), false))
	want = []scripts.FileHolder{{ProcessId: 7788, Name: "MoUSO Core Worker Process", ServiceName: "", ApplicationType: 0, ProcessName: "MoUsoCoreWorker"}}
	if !reflect.DeepEqual(got.Holders, want) {
		t.Fatalf("Download: %+v", got)
	}
	// Bounded, as diagnose asks: one level of DataStore (DataStore.edb,
	// not Logs\edb.log), at most 2 files: truncated, breadth first.
	got = result[scripts.FileHoldersResult](t, th.call("Get-WurFileHolders", p("Path", dataStoreDir, "MaxDepth", 1), false))
	if got.FilesChecked == 0 || got.FilesChecked >= 9 || got.Truncated || len(got.Holders) != 1 {
		t.Fatalf("DataStore, one level: %+v", got)
	}
	got = result[scripts.FileHoldersResult](t, th.call("Get-WurFileHolders", p("Path", downloadDir, "MaxDepth", 1), false))
	if len(got.Holders) != 0 {
		t.Fatalf("Download, one level: the held file is one level down: %+v", got)
	}
	got = result[scripts.FileHoldersResult](t, th.call("Get-WurFileHolders", p("Path", dataStoreDir, "MaxFiles", 2), false))
	if got.FilesChecked != 2 || !got.Truncated {
		t.Fatalf("DataStore, 2 files: %+v", got)
	}
	// The process makes the rename fail like a running service would.
	e := failure(t, th.call("Backup-WurFolder", p("Path", downloadDir, "BackupPath", downloadDir+".wurepair-x"), false))
	if e.FQID != "WurRenameFailed" || uint32(e.HResult) != 0x80070005 {
		t.Fatalf("renaming Download held by a process: %+v", e)
	}

	// A junction inside is skipped, its target never read.
	tj := hostFor(t, "junction")
	got = result[scripts.FileHoldersResult](t, tj.call("Get-WurFileHolders", p("Path", dataStoreDir), false))
	if got.FilesChecked != 9 {
		t.Fatalf("junction: %+v", got)
	}
	for _, bad := range []string{`Windows\SoftwareDistribution`, `\\server\share\x`, `\\?\C:\Windows`, dataStoreDir + `\DataStore.edb`, dataStoreDir + `\Config`, `C:\nosuch`} {
		if e := failure(t, tj.call("Get-WurFileHolders", p("Path", bad), false)); e.FQID != "WurPathRefused" || e.Category != "InvalidArgument" {
			t.Errorf("%s: %+v", bad, e)
		}
	}
}
