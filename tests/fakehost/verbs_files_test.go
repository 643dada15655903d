package fakehost

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

func folder(t *testing.T, r scripts.SoftwareDistributionResult, name string) scripts.FolderInfo {
	t.Helper()
	for _, f := range r.Folders {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no folder %s", name)
	return scripts.FolderInfo{}
}

func TestGetSoftwareDistribution(t *testing.T) {
	th := hostFor(t, "0x80070002")
	r := result[scripts.SoftwareDistributionResult](t, th.call("Get-WurSoftwareDistribution", nil, false))
	var names []string
	for _, f := range r.Folders {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "SoftwareDistribution,DataStore,Download,catroot2,Downloader" {
		t.Fatalf("folders %v", names)
	}
	ds := folder(t, r, "DataStore")
	want := scripts.FolderInfo{Name: "DataStore", Path: dataStoreDir, Exists: true, Files: 9,
		Bytes: 612368384 + 65536 + 8192 + 1048576*5 + 524288, ReparsePoints: []string{}, Unreadable: []string{}}
	if !reflect.DeepEqual(ds, want) {
		t.Fatalf("got  %+v\nwant %+v", ds, want)
	}
	sd := folder(t, r, "SoftwareDistribution")
	if dl := folder(t, r, "Download"); sd.Files != ds.Files+dl.Files+2 || dl.Files != 3 {
		t.Fatalf("SoftwareDistribution %+v Download %+v", sd, dl)
	}
	if q := folder(t, r, "Downloader"); q.Files != 2 || q.Bytes != 32768 || q.Path != downloaderDir {
		t.Fatalf("Downloader %+v", q)
	}
	if len(r.Backups) != 0 {
		t.Fatalf("backups %+v", r.Backups)
	}
}

// Issue 9 item 18: a folder that cannot be listed (its ACL refuses the
// listing) is named, and nothing inside it is counted. Issue 20 item 2: a
// deep Download tree (a 400-character path) is listed and counted: the
// walk uses \\?\ paths, so Windows PowerShell 5.1's MAX_PATH does not apply.
func TestUnreadableFolders(t *testing.T) {
	denied := downloadDir + `\Denied`
	long := downloadDir + `\` + strings.Repeat("d", 120)
	deep := long + `\` + strings.Repeat("e", 200) + `\` + strings.Repeat("f", 40)
	th := hostFor(t, "0x80070002", func(sc *Scenario) {
		sc.Machine.Files[denied] = &FileEntry{Kind: kindDir, Denied: true}
		sc.Machine.Files[denied+`\hidden.cab`] = &FileEntry{Kind: kindFile, Size: 100}
		sc.Machine.Files[denied+`\Link`] = &FileEntry{Kind: kindJunction, Target: `C:\Users`}
		sc.Machine.Files[long] = newDir()
		sc.Machine.Files[long+`\`+strings.Repeat("e", 200)] = newDir()
		sc.Machine.Files[deep] = newDir()
		sc.Machine.Files[deep+`\x.cab`] = &FileEntry{Kind: kindFile, Size: 7}
	})
	if len(deep+`\x.cab`) < 400 {
		t.Fatalf("deep file path is %d characters", len(deep+`\x.cab`))
	}
	plain := folder(t, result[scripts.SoftwareDistributionResult](t, hostFor(t, "0x80070002").call("Get-WurSoftwareDistribution", nil, false)), "Download")
	r := result[scripts.SoftwareDistributionResult](t, th.call("Get-WurSoftwareDistribution", nil, false))
	for _, name := range []string{"SoftwareDistribution", "Download"} {
		got := folder(t, r, name)
		if !reflect.DeepEqual(got.Unreadable, []string{denied}) || len(got.ReparsePoints) != 0 {
			t.Fatalf("%s: %+v", name, got)
		}
	}
	if got := folder(t, r, "Download"); got.Files != plain.Files+1 || got.Bytes != plain.Bytes+7 {
		t.Fatalf("want the 400-character file counted and nothing under Denied: %+v (plain %+v)", got, plain)
	}
	if got := folder(t, r, "DataStore"); len(got.Unreadable) != 0 {
		t.Fatalf("DataStore %+v", got)
	}
}

// A junction inside DataStore is listed, never followed: the sizes do not
// count what lies at its target.
func TestJunctionNeverFollowed(t *testing.T) {
	plain := result[scripts.SoftwareDistributionResult](t, hostFor(t, "0x80070002").call("Get-WurSoftwareDistribution", nil, false))
	th := hostFor(t, "junction")
	r := result[scripts.SoftwareDistributionResult](t, th.call("Get-WurSoftwareDistribution", nil, false))
	link := dataStoreDir + `\Config`
	for _, name := range []string{"SoftwareDistribution", "DataStore"} {
		got, was := folder(t, r, name), folder(t, plain, name)
		if got.Files != was.Files || got.Bytes != was.Bytes || !reflect.DeepEqual(got.ReparsePoints, []string{link}) || got.IsReparsePoint {
			t.Fatalf("%s: %+v (without the junction: %+v)", name, got, was)
		}
	}
	if dl := folder(t, r, "Download"); len(dl.ReparsePoints) != 0 {
		t.Fatalf("Download %+v", dl)
	}
	// Renaming DataStore moves the junction as a link; its target is untouched.
	th.stopAll("UsoSvc", "wuauserv")
	configBefore := th.state().under(system32 + `\config`)
	result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1"), false))
	if _, e := th.state().LookupFile(dataStoreDir + `.wurepair-r1\Config`); e == nil || e.Kind != kindJunction || e.Target != system32+`\config` {
		t.Fatalf("moved junction %+v", e)
	}
	// Deleting the backup deletes the link, not the target's files.
	result[scripts.RemoveBackupResult](t, th.call("Remove-WurBackup", p("Path", dataStoreDir+".wurepair-r1"), false))
	if got := th.state().under(system32 + `\config`); !reflect.DeepEqual(got, configBefore) || len(got) != 3 {
		t.Fatalf("config after removing the backup: %v", got)
	}
	// A junction is never renamed itself, nor a path behind it.
	for _, path := range []string{softwareDistribution + `\Link`, softwareDistribution + `\Link\Sub`} {
		th := hostFor(t, "junction", func(sc *Scenario) {
			sc.Machine.Files[softwareDistribution+`\Link`] = &FileEntry{Kind: kindJunction, Target: `C:\Users`}
		})
		before := th.bytes()
		e := failure(t, th.call("Backup-WurFolder", p("Path", path, "BackupPath", path+".wurepair-r1"), false))
		if e.FQID != "WurPathRefused" || th.bytes() != before {
			t.Fatalf("%s: %+v", path, e)
		}
	}
}

// SoftwareDistribution itself a junction: reported, not measured.
func TestFolderItselfJunction(t *testing.T) {
	th := hostFor(t, "healthy", func(sc *Scenario) {
		for k := range sc.Machine.Files {
			if inside(k, softwareDistribution) {
				delete(sc.Machine.Files, k)
			}
		}
		sc.Machine.Files[`D:\SD`] = newDir()
		sc.Machine.Files[`D:\SD\DataStore\DataStore.edb`] = newFile(100)
		sc.Machine.Files[softwareDistribution] = &FileEntry{Kind: kindJunction, Target: `D:\SD`}
	})
	r := result[scripts.SoftwareDistributionResult](t, th.call("Get-WurSoftwareDistribution", nil, false))
	sd, ds := folder(t, r, "SoftwareDistribution"), folder(t, r, "DataStore")
	if !sd.Exists || !sd.IsReparsePoint || sd.Files != 0 || !ds.Exists || ds.IsReparsePoint || ds.Files != 1 {
		t.Fatalf("SoftwareDistribution %+v DataStore %+v", sd, ds)
	}
	for _, path := range []string{softwareDistribution, dataStoreDir} {
		e := failure(t, th.call("Backup-WurFolder", p("Path", path, "BackupPath", path+".wurepair-r1"), false))
		if e.FQID != "WurPathRefused" {
			t.Fatalf("%s: %+v", path, e)
		}
	}
}

func TestBackupFolder(t *testing.T) {
	th := hostFor(t, "0x80070002")
	th.stopAll("UsoSvc", "wuauserv", "BITS")
	files := len(th.state().under(dataStoreDir))
	// Paths are case-insensitive; the backup keeps the case it was given.
	env := th.call("Backup-WurFolder", p("Path", `c:\windows\softwaredistribution\datastore`, "BackupPath", `C:/WINDOWS/SoftwareDistribution/DataStore.wurepair-20240601T120000Z-abc123`), false)
	got := result[scripts.BackupFolderResult](t, env)
	want := scripts.BackupFolderResult{Path: `C:\windows\softwaredistribution\datastore`, BackupPath: `C:\WINDOWS\SoftwareDistribution\DataStore.wurepair-20240601T120000Z-abc123`, Renamed: true, Recreated: true, SecurityCopied: true}
	if got != want {
		t.Fatalf("got %+v", got)
	}
	backup := softwareDistribution + `\DataStore.wurepair-20240601T120000Z-abc123`
	if _, e := th.state().Files[backup]; !e || len(th.state().under(backup)) != files {
		t.Fatalf("backup %s not there with %d entries: %v", backup, files, th.state().under(backup))
	}
	if _, e := th.state().Files[dataStoreDir]; !e || !th.state().isDirEmpty(dataStoreDir) {
		t.Fatal("DataStore not recreated empty")
	}
	r := result[scripts.SoftwareDistributionResult](t, th.call("Get-WurSoftwareDistribution", nil, false))
	// A rename keeps the folder's creation time (here the machine's clock:
	// the scenario gives DataStore none).
	wantB := []scripts.BackupInfo{{Path: backup, Original: dataStoreDir, RunId: "20240601T120000Z-abc123", Created: "2024-06-01T12:00:00.0000000Z", Bytes: 612368384 + 65536 + 8192 + 1048576*5 + 524288}}
	if !reflect.DeepEqual(r.Backups, wantB) {
		t.Fatalf("backups %+v", r.Backups)
	}
	if ds := folder(t, r, "DataStore"); ds.Files != 0 || !ds.Exists {
		t.Fatalf("DataStore %+v", ds)
	}
	// A subfolder of SoftwareDistribution may be backed up too.
	result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", softwareDistribution+`\PostRebootEventCache.V2`, "BackupPath", softwareDistribution+`\PostRebootEventCache.V2.wurepair-r1`), false))
	// A trailing dot names the same folder (GetFullPath drops it).
	result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", downloadDir+`.`, "BackupPath", downloadDir+`.wurepair-r1`), false))
}

func TestBackupRefusals(t *testing.T) {
	sd := softwareDistribution
	cases := []struct{ name, path, backup string }{
		{"outside the allowed roots", system32 + `\config`, system32 + `\config.wurepair-r1`},
		{"dot-dot escape", sd + `\..\System32\config`, sd + `\..\System32\config.wurepair-r1`},
		{"inside catroot2 is not allowed", catroot2Dir + `\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}`, catroot2Dir + `\{F750E6C3-38EE-11D1-85E5-00C04FC295EE}.wurepair-r1`},
		{"relative path", `SoftwareDistribution\DataStore`, `SoftwareDistribution\DataStore.wurepair-r1`},
		{"UNC path", `\\localhost\C$\Windows\SoftwareDistribution\DataStore`, `\\localhost\C$\Windows\SoftwareDistribution\DataStore.wurepair-r1`},
		{"environment variable is not expanded", `%SystemRoot%\SoftwareDistribution\DataStore`, `%SystemRoot%\SoftwareDistribution\DataStore.wurepair-r1`},
		{"backup in another folder", dataStoreDir, systemRoot + `\DataStore.wurepair-r1`},
		{"backup named after another folder", dataStoreDir, sd + `\Download.wurepair-r1`},
		{"backup without run id", dataStoreDir, dataStoreDir + `.wurepair-`},
		{"run id with a dot", dataStoreDir, dataStoreDir + `.wurepair-r.1`},
		{"run id with a space", dataStoreDir, dataStoreDir + `.wurepair-r 1`},
		{"backup is not a sibling", dataStoreDir, dataStoreDir + `\x.wurepair-r1`},
		{"alternate data stream", dataStoreDir, dataStoreDir + `.wurepair-r1:stream`},
		{"missing folder", sd + `\NoSuch`, sd + `\NoSuch.wurepair-r1`},
		{"a file, not a folder", sd + `\ReportingEvents.log`, sd + `\ReportingEvents.log.wurepair-r1`},
		{"backup exists", dataStoreDir, dataStoreDir + `.wurepair-old`},
		{"a junction as the folder", dataStoreDir + `\Config`, dataStoreDir + `\Config.wurepair-r1`},
		{"behind a junction", dataStoreDir + `\Config\Sub`, dataStoreDir + `\Config\Sub.wurepair-r1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := hostFor(t, "junction", func(sc *Scenario) {
				sc.Machine.Files[dataStoreDir+`.wurepair-old`] = newDir()
			})
			th.stopAll("UsoSvc", "wuauserv")
			before := th.bytes()
			for _, check := range []bool{false, true} {
				e := failure(t, th.call("Backup-WurFolder", p("Path", tc.path, "BackupPath", tc.backup), check))
				if e.FQID != "WurPathRefused" || e.Category != "InvalidArgument" || e.HResult != hrInvalidArg.Int64() || e.Message == "" {
					t.Fatalf("%+v", e)
				}
			}
			if th.bytes() != before {
				t.Fatal("a refused backup changed the machine")
			}
		})
	}
}

func TestBackupRenameFailures(t *testing.T) {
	cases := []struct {
		name     string
		scenario string
		mutate   []func(*Scenario)
		stop     []string
		path     string
		hr       HResult
		fqid     string
	}{
		{"DataStore.edb in use by wuauserv", "0x80070002", nil, nil, dataStoreDir, hrAccessDenied, "WurRenameFailed"},
		{"a hung wuauserv still holds it", "stuck-service", nil, []string{"UsoSvc"}, dataStoreDir, hrAccessDenied, "WurRenameFailed"},
		{"qmgr in use by BITS", "0x80070002", nil, nil, downloaderDir, hrAccessDenied, "WurRenameFailed"},
		{"catroot2 in use by CryptSvc", "0x80070002", nil, nil, catroot2Dir, hrAccessDenied, "WurRenameFailed"},
		{"SoftwareDistribution in use by DoSvc", "0x80070002", nil, []string{"UsoSvc", "wuauserv"}, softwareDistribution, hrAccessDenied, "WurRenameFailed"},
		{"disk full", "disk-full", nil, nil, downloadDir, hrDiskFull, "WurRenameFailed"},
		{"not elevated", "0x80070002", []func(*Scenario){func(sc *Scenario) { sc.Host.IsAdmin = false }}, nil, downloadDir, hrAccessDenied,
			"WurRenameFailed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := hostFor(t, tc.scenario, tc.mutate...)
			for _, s := range tc.stop {
				th.call("Stop-WurService", p("Name", s, "TimeoutSec", 1), false)
			}
			before := th.bytes()
			e := failure(t, th.call("Backup-WurFolder", p("Path", tc.path, "BackupPath", tc.path+".wurepair-r1"), false))
			if e.HResult != tc.hr.Int64() || e.FQID != tc.fqid {
				t.Fatalf("%+v", e)
			}
			if th.bytes() != before {
				t.Fatal("a failed rename changed the machine")
			}
		})
	}
	t.Run("disk full hits Download only", func(t *testing.T) {
		th := hostFor(t, "disk-full")
		th.stopAll("UsoSvc", "wuauserv")
		result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1"), false))
	})
}

func TestRestoreFolder(t *testing.T) {
	backup, aside := dataStoreDir+".wurepair-r1", dataStoreDir+".wurepair-r1-setaside"
	setup := func(t *testing.T) (*testHost, string) {
		th := hostFor(t, "0x80070002")
		original := th.bytes()
		th.stopAll("UsoSvc", "wuauserv")
		result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", backup), false))
		return th, original
	}
	t.Run("sets aside what was written since", func(t *testing.T) {
		th, _ := setup(t)
		th.call("Start-WurService", p("Name", "wuauserv", "TimeoutSec", 30), false) // writes a new DataStore.edb
		th.stopAll("wuauserv")
		got := result[scripts.RestoreFolderResult](t, th.call("Restore-WurFolder", p("Path", dataStoreDir, "BackupPath", backup, "SetAsidePath", aside), false))
		if got != (scripts.RestoreFolderResult{Path: dataStoreDir, BackupPath: backup, Restored: true, SetAsidePath: aside}) {
			t.Fatalf("%+v", got)
		}
		if _, e := th.state().LookupFile(aside + `\DataStore.edb`); e == nil {
			t.Fatal("the new DataStore.edb was not set aside")
		}
		if _, e := th.state().LookupFile(dataStoreEDB); e == nil || e.Size != 612368384 {
			t.Fatalf("DataStore.edb not restored: %+v", e)
		}
	})
	t.Run("an empty recreated folder is removed", func(t *testing.T) {
		th, original := setup(t)
		got := result[scripts.RestoreFolderResult](t, th.call("Restore-WurFolder", p("Path", dataStoreDir, "BackupPath", backup, "SetAsidePath", aside), false))
		if got.SetAsidePath != "" || !got.Restored {
			t.Fatalf("%+v", got)
		}
		th.call("Start-WurService", p("Name", "wuauserv", "TimeoutSec", 30), false)
		th.call("Start-WurService", p("Name", "UsoSvc", "TimeoutSec", 30), false)
		// Only the process ids differ from the original machine.
		for _, n := range []string{"wuauserv", "UsoSvc"} {
			_, s := th.state().LookupService(n)
			s.ProcessID = map[string]int{"wuauserv": 4412, "UsoSvc": 3120}[n]
		}
		if th.bytes() != original {
			t.Fatal("backup then restore did not give the original machine back")
		}
	})
	t.Run("refusals", func(t *testing.T) {
		th, _ := setup(t)
		th.state().Files[aside] = newDir()
		th.state().Files[softwareDistribution+`\Link`] = &FileEntry{Kind: kindJunction, Target: `C:\Users`}
		before := th.bytes()
		cases := []struct{ name, path, backup, aside, fqid string }{
			{"missing backup", dataStoreDir, dataStoreDir + ".wurepair-nosuch", aside + "2", "WurBackupMissing"},
			{"set-aside exists", dataStoreDir, backup, aside, "WurPathRefused"},
			{"set-aside equals backup", dataStoreDir, backup, backup, "WurPathRefused"},
			{"set-aside not a backup name", dataStoreDir, backup, dataStoreDir + ".old", "WurPathRefused"},
			{"outside the roots", system32 + `\config`, system32 + `\config.wurepair-r1`, system32 + `\config.wurepair-r2`, "WurPathRefused"},
			{"a junction as the folder", softwareDistribution + `\Link`, softwareDistribution + `\Link.wurepair-r1`, softwareDistribution + `\Link.wurepair-r2`, "WurBackupMissing"},
		}
		for _, tc := range cases {
			for _, check := range []bool{false, true} {
				e := failure(t, th.call("Restore-WurFolder", p("Path", tc.path, "BackupPath", tc.backup, "SetAsidePath", tc.aside), check))
				if e.FQID != tc.fqid || e.Category != map[bool]string{true: "ObjectNotFound", false: "InvalidArgument"}[tc.fqid == "WurBackupMissing"] {
					t.Fatalf("%s: %+v", tc.name, e)
				}
			}
		}
		th.state().Files[softwareDistribution+`\Link.wurepair-r1`] = newDir()
		e := failure(t, th.call("Restore-WurFolder", p("Path", softwareDistribution+`\Link`, "BackupPath", softwareDistribution+`\Link.wurepair-r1`, "SetAsidePath", softwareDistribution+`\Link.wurepair-r2`), false))
		if e.FQID != "WurPathRefused" {
			t.Fatalf("junction at Path: %+v", e)
		}
		delete(th.state().Files, softwareDistribution+`\Link.wurepair-r1`)
		if th.bytes() != before {
			t.Fatal("a refused restore changed the machine")
		}
	})
	t.Run("access denied while wuauserv holds the new DataStore.edb", func(t *testing.T) {
		th, _ := setup(t)
		th.call("Start-WurService", p("Name", "wuauserv", "TimeoutSec", 30), false)
		e := failure(t, th.call("Restore-WurFolder", p("Path", dataStoreDir, "BackupPath", backup, "SetAsidePath", aside), false))
		if e.HResult != hrAccessDenied.Int64() || e.FQID != "WurRenameFailed" || e.ExceptionType != "System.IO.IOException" {
			t.Fatalf("%+v", e)
		}
	})
}

func TestRemoveBackup(t *testing.T) {
	th := hostFor(t, "0x80070002")
	th.stopAll("UsoSvc", "wuauserv")
	backup := dataStoreDir + ".wurepair-r1"
	result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", backup), false))
	before := th.bytes()
	for _, tc := range []struct{ name, path, fqid string }{
		{"not a backup name", dataStoreDir, "WurPathRefused"},
		{"a backup name of no watched folder", softwareDistribution + `\PostRebootEventCache.V2.wurepair-r1`, "WurPathRefused"},
		{"in the wrong folder", systemRoot + `\DataStore.wurepair-r1`, "WurPathRefused"},
		{"run id with a dot", dataStoreDir + ".wurepair-r.1", "WurPathRefused"},
	} {
		e := failure(t, th.call("Remove-WurBackup", p("Path", tc.path), false))
		if e.FQID != tc.fqid || e.Category != "InvalidArgument" {
			t.Fatalf("%s: %+v", tc.name, e)
		}
	}
	if got := result[scripts.RemoveBackupResult](t, th.call("Remove-WurBackup", p("Path", strings.ToUpper(backup)), true)); got.Removed || !got.WhatIf {
		t.Fatalf("%+v", got)
	}
	if got := result[scripts.RemoveBackupResult](t, th.call("Remove-WurBackup", p("Path", dataStoreDir+".wurepair-r2"), false)); got.Removed {
		t.Fatalf("a missing backup is data, not an error: %+v", got)
	}
	if th.bytes() != before {
		t.Fatal("refusals, a missing backup or WhatIf changed the machine")
	}
	got := result[scripts.RemoveBackupResult](t, th.call("Remove-WurBackup", p("Path", strings.ToUpper(backup)), false))
	if !got.Removed || got.WhatIf {
		t.Fatalf("%+v", got)
	}
	if _, e := th.state().LookupFile(backup); e != nil || len(th.state().under(backup)) != 0 {
		t.Fatal("backup still there")
	}
}

// Both learned from the real scripts on pwsh (tests/realps): a backup's
// date is its run id's timestamp, and nothing inside a backup is a source.
func TestBackupDateFromRunIDAndNothingInsideABackup(t *testing.T) {
	th := hostFor(t, "healthy")
	th.stopAll("UsoSvc", "wuauserv")
	bk := dataStoreDir + ".wurepair-20240602T080000Z-b2"
	result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", bk), false))
	r := result[scripts.SoftwareDistributionResult](t, th.call("Get-WurSoftwareDistribution", nil, false))
	if len(r.Backups) != 1 || r.Backups[0].Created != "2024-06-02T08:00:00.0000000Z" {
		t.Fatalf("backups %+v", r.Backups)
	}
	e := failure(t, th.call("Backup-WurFolder", p("Path", bk+`\Logs`, "BackupPath", bk+`\Logs.wurepair-x`), false))
	if e.FQID != "WurPathRefused" {
		t.Fatalf("%+v", e)
	}
}

// Issue 20 item 7: a reparse point that is not a name surrogate (a
// deduplicated file, a cloud-files placeholder folder) is the data itself:
// counted, never named as a link, and it does not stop a backup.
func TestNonSurrogateReparsePointsAreData(t *testing.T) {
	plain := folder(t, result[scripts.SoftwareDistributionResult](t, hostFor(t, "0x80070002").call("Get-WurSoftwareDistribution", nil, false)), "Download")
	th := hostFor(t, "0x80070002", func(sc *Scenario) {
		sc.Machine.Files[downloadDir+`\dedup.cab`] = &FileEntry{Kind: kindFile, Size: 300, ReparseTag: "0x80000013"}
		sc.Machine.Files[downloadDir+`\Cloud`] = &FileEntry{Kind: kindDir, ReparseTag: "0x9000001A"}
		sc.Machine.Files[downloadDir+`\Cloud\x.cab`] = &FileEntry{Kind: kindFile, Size: 5}
	})
	got := folder(t, result[scripts.SoftwareDistributionResult](t, th.call("Get-WurSoftwareDistribution", nil, false)), "Download")
	if got.Files != plain.Files+2 || got.Bytes != plain.Bytes+305 || len(got.ReparsePoints) != 0 || got.IsReparsePoint {
		t.Fatalf("Download %+v (plain %+v)", got, plain)
	}
	r := result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", downloadDir, "BackupPath", downloadDir+".wurepair-r7"), false))
	if !r.Renamed {
		t.Fatalf("backup %+v", r)
	}
	for _, tag := range []string{"0xA000000C", "zz"} {
		s := &MachineState{Files: map[string]*FileEntry{downloadDir + `\l`: {Kind: kindFile, ReparseTag: tag}}}
		if err := s.normFile(downloadDir+`\l`, HostProfile{Is64BitOS: true}); err == nil {
			t.Errorf("reparseTag %s accepted", tag)
		}
	}
}
