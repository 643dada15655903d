package realps

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"

	"github.com/wurepair/wurepair/scripts"
)

// step is one request in a sequence run on both engines against the same
// machine. fqid "" means the request must succeed.
type step struct {
	name      string
	script    string
	params    map[string]any
	checkMode bool
	fqid      string
	typ       any
	check     func(t *testing.T, m *machine, res any) // optional: on the real result and real disk
}

func runSteps(t *testing.T, e *engines, steps []step) {
	t.Helper()
	for _, s := range steps {
		o := e.both(s.script, s.params, s.checkMode)
		if s.fqid == "" && !o.real.OK {
			t.Errorf("%s: %s failed on real pwsh: %s", s.name, s.script, records(o.real.Errors))
		}
		if s.fqid != "" && (o.real.OK || len(o.real.Errors) == 0 || o.real.Errors[0].FQID != s.fqid) {
			t.Errorf("%s: %s on real pwsh: want error %s, got ok=%v %s", s.name, s.script, s.fqid, o.real.OK, records(o.real.Errors))
		}
		res := e.compare(s.script, o, s.typ)
		if s.check != nil && res != nil {
			s.check(t, e.m, res)
		}
	}
}

// stopAll is the machine after a plan stopped every service: nothing
// holds a file (renames on Linux never fail for an open file).
func stopAll(sc *fakehost.Scenario) {
	for _, svc := range sc.Machine.Services {
		svc.Status, svc.ProcessID = "Stopped", 0
	}
}

const (
	sd       = `C:\Windows\SoftwareDistribution`
	ds       = sd + `\DataStore`
	dl       = sd + `\Download`
	runA     = "20240601T120000Z-a1"
	runB     = "20240602T080000Z-b2"
	catroot2 = `C:\Windows\System32\catroot2`
)

func exists(t *testing.T, p string) bool {
	t.Helper()
	_, err := os.Lstat(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func TestFolderScripts(t *testing.T) {
	m := newMachine(t, scenarioPath(t, "healthy"), stopAll)
	e := newEngines(t, m, "Machine.ps1", "Registry.ps1", "Services.ps1", "Security.ps1")
	bk := scripts.BackupFolderResult{}
	rs := scripts.RestoreFolderResult{}
	rm := scripts.RemoveBackupResult{}
	sdr := scripts.SoftwareDistributionResult{}
	p := func(kv ...string) map[string]any {
		out := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	runSteps(t, e, []step{
		{name: "probe", script: "Get-WurSoftwareDistribution", typ: sdr},
		{name: "whatif changes nothing", script: "Backup-WurFolder", params: p("Path", ds, "BackupPath", ds+".wurepair-"+runA), checkMode: true, typ: bk,
			check: func(t *testing.T, m *machine, _ any) {
				if exists(t, m.local(ds+".wurepair-"+runA)) {
					t.Error("-WhatIf renamed DataStore")
				}
			}},
		{name: "backup DataStore", script: "Backup-WurFolder", params: p("Path", ds, "BackupPath", ds+".wurepair-"+runA), typ: bk,
			check: func(t *testing.T, m *machine, res any) {
				r := res.(*scripts.BackupFolderResult)
				if !r.Renamed || !r.Recreated || !exists(t, m.local(ds+`.wurepair-`+runA+`\DataStore.edb`)) || !exists(t, m.local(ds)) {
					t.Errorf("backup did not rename and recreate: %+v", r)
				}
			}},
		{name: "backup exists", script: "Backup-WurFolder", params: p("Path", ds, "BackupPath", ds+".wurepair-"+runA), fqid: "WurPathRefused", typ: bk},
		{name: "backup Download", script: "Backup-WurFolder", params: p("Path", dl, "BackupPath", dl+".wurepair-"+runA), typ: bk},
		{name: "backup catroot2", script: "Backup-WurFolder", params: p("Path", catroot2, "BackupPath", catroot2+".wurepair-"+runB), typ: bk},
		{name: "probe lists backups", script: "Get-WurSoftwareDistribution", typ: sdr,
			check: func(t *testing.T, m *machine, res any) {
				if n := len(res.(*scripts.SoftwareDistributionResult).Backups); n != 3 {
					t.Errorf("want 3 backups, got %d", n)
				}
			}},
		{name: "outside the roots", script: "Backup-WurFolder", params: p("Path", `C:\Windows\System32\config`, "BackupPath", `C:\Windows\System32\config.wurepair-`+runA), fqid: "WurPathRefused", typ: bk},
		{name: "dot-dot out of SoftwareDistribution", script: "Backup-WurFolder", params: p("Path", sd+`\..\System32\config`, "BackupPath", `C:\Windows\System32\config.wurepair-`+runA), fqid: "WurPathRefused", typ: bk},
		{name: "relative path", script: "Backup-WurFolder", params: p("Path", `Windows\SoftwareDistribution\Download`, "BackupPath", `Windows\SoftwareDistribution\Download.wurepair-`+runB), fqid: "WurPathRefused", typ: bk},
		{name: "backup in another folder", script: "Backup-WurFolder", params: p("Path", dl, "BackupPath", `C:\Windows\Download.wurepair-`+runB), fqid: "WurPathRefused", typ: bk},
		{name: "backup with a bad name", script: "Backup-WurFolder", params: p("Path", dl, "BackupPath", dl+`.old`), fqid: "WurPathRefused", typ: bk},
		{name: "inside a backup", script: "Backup-WurFolder", params: p("Path", ds+".wurepair-"+runA+`\Logs`, "BackupPath", ds+".wurepair-"+runA+`\Logs.wurepair-`+runB), fqid: "WurPathRefused", typ: bk},
		{name: "missing backup", script: "Restore-WurFolder", params: p("Path", dl, "BackupPath", dl+".wurepair-nothere", "SetAsidePath", dl+".wurepair-aside"), fqid: "WurBackupMissing", typ: rs},
		// wuauserv writes a new, empty DataStore.edb when it starts (the
		// double on the real disk, the fake in its machine).
		{name: "start wuauserv", script: "Start-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: scripts.StartServiceResult{}},
		{name: "stop wuauserv", script: "Stop-WurService", params: map[string]any{"Name": "wuauserv", "TimeoutSec": 5}, typ: scripts.StopServiceResult{}},
		{name: "restore DataStore over new content", script: "Restore-WurFolder", params: p("Path", ds, "BackupPath", ds+".wurepair-"+runA, "SetAsidePath", ds+".wurepair-"+runA+"-aside"), typ: rs,
			check: func(t *testing.T, m *machine, res any) {
				r := res.(*scripts.RestoreFolderResult)
				if !r.Restored || r.SetAsidePath == "" || !exists(t, m.local(ds+`\DataStore.edb`)) || !exists(t, m.local(ds+".wurepair-"+runA+`-aside\DataStore.edb`)) {
					t.Errorf("restore: %+v", r)
				}
			}},
		{name: "restore whatif", script: "Restore-WurFolder", params: p("Path", dl, "BackupPath", dl+".wurepair-"+runA, "SetAsidePath", dl+".wurepair-"+runA+"-aside"), checkMode: true, typ: rs},
		{name: "restore Download over its empty folder", script: "Restore-WurFolder", params: p("Path", dl, "BackupPath", dl+".wurepair-"+runA, "SetAsidePath", dl+".wurepair-"+runA+"-aside"), typ: rs,
			check: func(t *testing.T, m *machine, res any) {
				if r := res.(*scripts.RestoreFolderResult); !r.Restored || r.SetAsidePath != "" {
					t.Errorf("restore: %+v", r)
				}
			}},
		{name: "remove whatif", script: "Remove-WurBackup", params: p("Path", catroot2+".wurepair-"+runB), checkMode: true, typ: rm},
		{name: "remove catroot2 backup", script: "Remove-WurBackup", params: p("Path", catroot2+".wurepair-"+runB), typ: rm,
			check: func(t *testing.T, m *machine, _ any) {
				if exists(t, m.local(catroot2+".wurepair-"+runB)) {
					t.Error("backup still there")
				}
			}},
		{name: "remove absent backup", script: "Remove-WurBackup", params: p("Path", catroot2+".wurepair-"+runB), typ: rm},
		{name: "remove not a backup", script: "Remove-WurBackup", params: p("Path", catroot2), fqid: "WurPathRefused", typ: rm},
		{name: "remove backup in the wrong parent", script: "Remove-WurBackup", params: p("Path", `C:\Windows\DataStore.wurepair-`+runA), fqid: "WurPathRefused", typ: rm},
	})
}

// Links are never renamed, removed through, nor followed: a symbolic link
// on Linux shows FileAttributes.ReparsePoint to .NET as a junction does on
// Windows, so the scripts' refusals run for real here.
func TestFolderLinks(t *testing.T) {
	const (
		link     = ds + `\Config` // junction.json: a junction to System32\config
		config   = `C:\Windows\System32\config`
		fakeBk   = ds + `.wurepair-20240101T000000Z-x` // a link wearing a backup's name
		evilLink = dl + `\Evil`
	)
	m := newMachine(t, scenarioPath(t, "junction"), stopAll, func(sc *fakehost.Scenario) {
		sc.Machine.Files[fakeBk] = &fakehost.FileEntry{Kind: "junction", Target: config}
		sc.Machine.Files[evilLink] = &fakehost.FileEntry{Kind: "junction", Target: config}
	})
	e := newEngines(t, m, "Machine.ps1", "Security.ps1")
	bk := scripts.BackupFolderResult{}
	rm := scripts.RemoveBackupResult{}
	p := func(kv ...string) map[string]any {
		out := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	configIntact := func(t *testing.T, m *machine, _ any) {
		if !exists(t, m.local(config+`\SAM`)) || !exists(t, m.local(config+`\SYSTEM`)) {
			t.Error("the link's target was touched")
		}
	}
	runSteps(t, e, []step{
		{name: "probe", script: "Get-WurSoftwareDistribution", typ: scripts.SoftwareDistributionResult{},
			check: func(t *testing.T, m *machine, res any) {
				r := res.(*scripts.SoftwareDistributionResult)
				if len(r.Backups) != 0 {
					t.Errorf("a link wearing a backup's name was listed: %+v", r.Backups)
				}
				if len(r.Folders[1].ReparsePoints) != 1 || len(r.Folders[2].ReparsePoints) != 1 {
					t.Errorf("links inside DataStore/Download not reported: %+v", r.Folders)
				}
			}},
		{name: "the link itself", script: "Backup-WurFolder", params: p("Path", link, "BackupPath", link+".wurepair-"+runA), fqid: "WurPathRefused", typ: bk},
		{name: "behind the link", script: "Backup-WurFolder", params: p("Path", link+`\Sub`, "BackupPath", link+`\Sub.wurepair-`+runA), fqid: "WurPathRefused", typ: bk},
		{name: "remove a link named like a backup", script: "Remove-WurBackup", params: p("Path", fakeBk), fqid: "WurPathRefused", typ: rm, check: configIntact},
		{name: "backup Download (a link inside moves as a link)", script: "Backup-WurFolder", params: p("Path", dl, "BackupPath", dl+".wurepair-"+runA), typ: bk, check: configIntact},
		{name: "remove that backup: the link goes, its target stays", script: "Remove-WurBackup", params: p("Path", dl+".wurepair-"+runA), typ: rm,
			check: func(t *testing.T, m *machine, res any) {
				configIntact(t, m, res)
				if exists(t, m.local(dl+".wurepair-"+runA)) {
					t.Error("backup not removed")
				}
			}},
	})
	if !exists(t, m.local(fakeBk)) {
		t.Error("the link named like a backup was removed")
	}
}

// Issue 20 item 1: the recreated folder gets the original's DACL (the
// doubles keep DACLs in the machine, as the fake host does), and a
// creation that fails is data, not an error: the rename stands,
// SecurityCopied is false with the HRESULT, and the folder is not made
// without its permissions.
func TestFolderSecurity(t *testing.T) {
	m := newMachine(t, scenarioPath(t, "healthy"), stopAll, func(sc *fakehost.Scenario) {
		sc.Machine.Faults.SecurityFails = map[string]fakehost.HResult{dl: 0x80070005}
	})
	e := newEngines(t, m, "Machine.ps1", "Security.ps1")
	bk := scripts.BackupFolderResult{}
	p := func(path, runID string) map[string]any {
		return map[string]any{"Path": path, "BackupPath": path + ".wurepair-" + runID}
	}
	runSteps(t, e, []step{
		{name: "whatif copies nothing", script: "Backup-WurFolder", params: p(catroot2, runA), checkMode: true, typ: bk,
			check: func(t *testing.T, _ *machine, res any) {
				if r := res.(*scripts.BackupFolderResult); r.SecurityCopied || r.SecurityHResult != 0 {
					t.Errorf("-WhatIf: %+v", r)
				}
			}},
		{name: "catroot2 keeps NetworkService's ACE", script: "Backup-WurFolder", params: p(catroot2, runA), typ: bk,
			check: func(t *testing.T, m *machine, res any) {
				r := res.(*scripts.BackupFolderResult)
				if !r.Recreated || !r.SecurityCopied || r.SecurityHResult != 0 {
					t.Errorf("catroot2: %+v", r)
				}
				raw, err := os.ReadFile(m.state)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(raw), `"security": "D:(A;OICI;0x1301bf;;;NS)"`) {
					t.Errorf("the double did not create catroot2 with its explicit ACE:\n%s", raw)
				}
			}},
		{name: "Downloader: a protected DACL", script: "Backup-WurFolder", params: p(`C:\ProgramData\Microsoft\Network\Downloader`, runA), typ: bk},
		{name: "Download: creating with the DACL fails", script: "Backup-WurFolder", params: p(dl, runA), typ: bk,
			check: func(t *testing.T, m *machine, res any) {
				r := res.(*scripts.BackupFolderResult)
				if !r.Renamed || r.Recreated || r.SecurityCopied || uint32(r.SecurityHResult) != 0x80070005 {
					t.Errorf("Download: %+v", r)
				}
				if exists(t, m.local(dl)) {
					t.Error("Download was made without its permissions")
				}
			}},
		{name: "rollback: Download comes back", script: "Restore-WurFolder",
			params: map[string]any{"Path": dl, "BackupPath": dl + ".wurepair-" + runA, "SetAsidePath": dl + ".wurepair-" + runA + "-aside"}, typ: scripts.RestoreFolderResult{}},
	})
}
