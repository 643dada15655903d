package fakehost

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

func TestEveryScriptHasASimulation(t *testing.T) {
	for _, s := range scripts.MustLoad().All() {
		if verbs[s.Name] == nil {
			t.Errorf("no simulation for %s", s.Name)
		}
	}
	for name := range verbs {
		if _, ok := scripts.MustLoad().Get(name); !ok {
			t.Errorf("simulation for %s, which is not in the manifest", name)
		}
	}
}

// Every scenario file loads strictly, and is already in canonical form.
func TestScenarioFilesLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(scenarioDir, "*.json"))
	if err != nil || len(files) < 12 {
		t.Fatalf("scenario files: %v %v", files, err)
	}
	for _, f := range files {
		sc, err := LoadScenario(f)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(f)
		again, err := encodeJSON(sc)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(raw) {
			t.Errorf("%s is not in canonical form", f)
		}
		if sc.Name+".json" != filepath.Base(f) || sc.Description == "" {
			t.Errorf("%s: name %q, description %q", f, sc.Name, sc.Description)
		}
	}
}

func TestScenarioRejectsUnknownFields(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(scenarioDir, "healthy.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ old, new string }{
		{`"name": "healthy"`, `"name": "healthy", "nmae": "x"`},
		{`"now": `, `"clock": "x", "now": `},
		{`"displayName": "Windows Update",`, `"displayName": "Windows Update", "stopBehaviour": "hang",`},
		{`"kind": "dir"}`, `"kind": "dir", "junction": true}`},
		{`"faults": {}`, `"faults": {"crashOnScrpit": 1}`},
	} {
		if !strings.Contains(string(raw), tc.old) {
			t.Fatalf("healthy.json has no %s", tc.old)
		}
		bad := strings.Replace(string(raw), tc.old, tc.new, 1)
		if _, err := ParseScenario([]byte(bad)); err == nil || !strings.Contains(err.Error(), "unknown field") {
			t.Errorf("%s: %v", tc.new, err)
		}
	}
}

func TestMachineValidation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Scenario)
		want   string
	}{
		{"running without a process", func(sc *Scenario) { sc.Machine.Services["BITS"].ProcessID = 0 }, "processId"},
		{"stopped with a process", func(sc *Scenario) { sc.Machine.Services["msiserver"].ProcessID = 8 }, "processId"},
		{"unknown status", func(sc *Scenario) { sc.Machine.Services["BITS"].Status = "running" }, "status"},
		{"unknown start type", func(sc *Scenario) { sc.Machine.Services["BITS"].StartType = "Auto" }, "startType"},
		{"unknown stop behaviour", func(sc *Scenario) { sc.Machine.Services["BITS"].StopBehavior = "slow" }, "stopBehavior"},
		{"unknown dependency", func(sc *Scenario) { sc.Machine.Services["BITS"].DependsOn = []string{"nosuch"} }, "nosuch"},
		{"dependency cycle", func(sc *Scenario) { sc.Machine.Services["DcomLaunch"].DependsOn = []string{"wuauserv"} }, "cycle"},
		{"service twice", func(sc *Scenario) { sc.Machine.Services["WUAUSERV"] = sc.Machine.Services["wuauserv"] }, "twice"},
		{"path twice", func(sc *Scenario) { sc.Machine.Files[strings.ToUpper(dataStoreEDB)] = newFile(1) }, "twice"},
		{"folder case differs", func(sc *Scenario) { sc.Machine.Files[`C:\WINDOWS\x.txt`] = newFile(1) }, "written"},
		{"unclean path", func(sc *Scenario) { sc.Machine.Files[`C:\Windows\\x.txt`] = newFile(1) }, "clean"},
		{"relative path", func(sc *Scenario) { sc.Machine.Files[`Windows\x.txt`] = newFile(1) }, "clean"},
		{"inside a junction", func(sc *Scenario) {
			sc.Machine.Files[dataStoreDir+`\J`] = &FileEntry{Kind: kindJunction, Target: `C:\X`}
			sc.Machine.Files[dataStoreDir+`\J\f`] = newFile(1)
		}, "junction"},
		{"junction without target", func(sc *Scenario) { sc.Machine.Files[dataStoreDir+`\J`] = &FileEntry{Kind: kindJunction} }, "target"},
		{"inside a file", func(sc *Scenario) { sc.Machine.Files[dataStoreEDB+`\x`] = newFile(1) }, "file"},
		{"unknown kind", func(sc *Scenario) { sc.Machine.Files[dataStoreDir+`\x`] = &FileEntry{Kind: "symlink"} }, "kind"},
		{"history on a folder", func(sc *Scenario) { sc.Machine.Files[downloadDir].History = baseHistory() }, "history"},
		{"SysWOW64 on 32-bit Windows", func(sc *Scenario) { sc.Host.Is64BitOS = false }, "SysWOW64"},
		{"view 32 on 32-bit Windows", func(sc *Scenario) {
			sc.Host.Is64BitOS = false
			sc.Machine.Files = baseFiles(false)
		}, "view"},
		{"bad CLSID", func(sc *Scenario) { sc.Machine.CLSID["64"]["wups2"] = "x" }, "CLSID"},
		{"bad KB", func(sc *Scenario) { sc.Machine.UpdateLog.Events[0].KB = "5034441" }, "kb"},
		{"bad time", func(sc *Scenario) { sc.Machine.UpdateLog.Events[0].Time = "yesterday" }, "time"},
		{"unknown reboot reason", func(sc *Scenario) { sc.Machine.PendingReboot = []string{"Pending"} }, "pendingReboot"},
		{"unknown store state", func(sc *Scenario) { sc.Machine.ComponentStore.State = "Broken" }, "componentStore"},
		{"crash on an unknown script", func(sc *Scenario) { sc.Machine.Faults.CrashOnScript = &CrashKnob{Script: "Backup-Folder", Call: 1} }, "crashOnScript"},
		{"crash on call 0", func(sc *Scenario) { sc.Machine.Faults.CrashOnScript = &CrashKnob{Script: "Backup-WurFolder"} }, "crashOnScript"},
		{"slow unknown script", func(sc *Scenario) { sc.Machine.Faults.SlowMs = map[string]int{"x": 1} }, "slowMs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc := healthy()
			tc.mutate(sc)
			raw, err := json.Marshal(sc)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseScenario(raw)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error about %s", err, tc.want)
			}
		})
	}
}

// Equal machines serialize byte-identically, whatever order the scenario
// wrote things in.
func TestMachineDeterministic(t *testing.T) {
	a := healthy()
	b := healthy()
	b.Machine.Services["RpcSs"].DependsOn = []string{"RpcEptMapper", "dcomlaunch"}
	ev := b.Machine.UpdateLog.Events
	ev[0], ev[2] = ev[2], ev[0]
	b.Machine.PendingReboot = nil
	b.Machine.Services["BITS"].StopBehavior = "ok"
	var out [2]string
	for i, sc := range []*Scenario{a, b} {
		raw, _ := json.Marshal(sc)
		parsed, err := ParseScenario(raw)
		if err != nil {
			t.Fatal(err)
		}
		m, err := newMachine(parsed, "")
		if err != nil {
			t.Fatal(err)
		}
		bs, _ := m.Bytes()
		out[i] = string(bs)
	}
	if out[0] != out[1] {
		t.Fatal("equal machines serialize differently")
	}
	// A state file round-trips byte for byte.
	dir := t.TempDir()
	scPath := filepath.Join(dir, "scenario.json")
	raw, _ := encodeJSON(a)
	os.WriteFile(scPath, raw, 0o644)
	state := filepath.Join(dir, "state.json")
	m, err := OpenMachine(scPath, state)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Save(); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(state)
	m2, err := OpenMachine(scPath, state)
	if err != nil {
		t.Fatal(err)
	}
	m2.Save()
	second, _ := os.ReadFile(state)
	if string(first) != string(second) || string(first) != out[0] {
		t.Fatal("the state file does not round-trip")
	}
}

func TestCaseInsensitiveLookups(t *testing.T) {
	th := hostFor(t, "healthy")
	s := th.state()
	for _, path := range []string{`c:\windows\softwaredistribution\datastore\datastore.edb`, `C:/Windows/SoftwareDistribution/DataStore/DataStore.EDB`,
		`C:\Windows\.\SoftwareDistribution\Logs\..\DataStore\DataStore.edb`} {
		if key, e := s.LookupFile(path); key != dataStoreEDB || e == nil {
			t.Errorf("%s: %q", path, key)
		}
	}
	if key, _ := s.LookupService("cryptsvc"); key != "CryptSvc" {
		t.Errorf("cryptsvc: %q", key)
	}
}

// Under CheckMode ($WhatIfPreference) no action changes anything, and each
// reports WhatIf with the machine as it is (nothing done), as the scripts do.
func TestWhatIfChangesNothing(t *testing.T) {
	backup := dataStoreDir + ".wurepair-r0"
	withBackup := func(sc *Scenario) {
		sc.Machine.Files[backup] = newDir()
		sc.Machine.Files[backup+`\DataStore.edb`] = newFile(5)
	}
	actions := []struct {
		script   string
		scenario string
		params   map[string]any
		check    func(t *testing.T, env *envelope)
	}{
		{"Stop-WurService", "0x80070002", p("Name", "wuauserv", "TimeoutSec", 30), func(t *testing.T, env *envelope) {
			r := result[scripts.StopServiceResult](t, env)
			if !r.WhatIf || r.Stopped || r.Status != "Running" || r.PreviousStatus != "Running" { // reported as it is
				t.Fatalf("%+v", r)
			}
		}},
		{"Start-WurService", "healthy", p("Name", "msiserver", "TimeoutSec", 30), func(t *testing.T, env *envelope) {
			r := result[scripts.StartServiceResult](t, env)
			if !r.WhatIf || r.Started || r.Status != "Stopped" {
				t.Fatalf("%+v", r)
			}
		}},
		{"Set-WurServiceStartType", "healthy", p("Name", "wuauserv", "StartType", "Disabled"), func(t *testing.T, env *envelope) {
			r := result[scripts.SetStartTypeResult](t, env)
			if !r.WhatIf || r.StartType != "Manual" || r.PreviousStartType != "Manual" { // read back: unchanged
				t.Fatalf("%+v", r)
			}
		}},
		{"Backup-WurFolder", "0x80070002", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1"), func(t *testing.T, env *envelope) {
			r := result[scripts.BackupFolderResult](t, env)
			if !r.WhatIf || r.Renamed || r.Recreated {
				t.Fatalf("%+v", r)
			}
		}},
		{"Restore-WurFolder", "0x80070002", p("Path", dataStoreDir, "BackupPath", backup, "SetAsidePath", backup+"-aside"), func(t *testing.T, env *envelope) {
			r := result[scripts.RestoreFolderResult](t, env)
			if !r.WhatIf || r.Restored || r.SetAsidePath != "" {
				t.Fatalf("%+v", r)
			}
		}},
		{"Remove-WurBackup", "0x80070002", p("Path", backup), func(t *testing.T, env *envelope) {
			if r := result[scripts.RemoveBackupResult](t, env); !r.WhatIf || r.Removed {
				t.Fatalf("%+v", r)
			}
		}},
		{"Register-WurDll", "kb943144", p("Path", system32+`\wups2.dll`), func(t *testing.T, env *envelope) {
			if r := result[scripts.RegisterDllResult](t, env); !r.WhatIf || !r.Exists || r.ExitCode != -1 {
				t.Fatalf("%+v", r)
			}
		}},
		{"Repair-WurComponentStore", "components", nil, func(t *testing.T, env *envelope) {
			if r := result[scripts.ComponentHealthResult](t, env); !r.WhatIf || r.ImageHealthState != "Repairable" {
				t.Fatalf("%+v", r)
			}
		}},
	}
	covered := map[string]bool{}
	for _, a := range actions {
		covered[a.script] = true
		t.Run(a.script, func(t *testing.T) {
			th := hostFor(t, a.scenario, withBackup)
			before := th.bytes()
			a.check(t, th.call(a.script, a.params, true))
			if th.bytes() != before {
				t.Fatal("WhatIf changed the machine")
			}
		})
	}
	for _, s := range scripts.MustLoad().All() {
		if !s.ReadOnly && !covered[s.Name] {
			t.Errorf("action %s has no WhatIf test", s.Name)
		}
	}
}

// PowerShell's binder refuses empty mandatory arguments before the script
// runs (Test-WurEcho's Text allows them).
func TestBinderRefusesEmptyArguments(t *testing.T) {
	th := hostFor(t, "healthy")
	for _, tc := range []struct {
		script string
		params map[string]any
		fqid   string
	}{
		{"Backup-WurFolder", p("Path", "", "BackupPath", "x"), "ParameterArgumentValidationErrorEmptyStringNotAllowed,Backup-WurFolder"},
		{"Get-WurServiceState", p("Names", []string{}), "ParameterArgumentValidationErrorEmptyArrayNotAllowed,Get-WurServiceState"},
		{"Get-WurDllPresence", p("Names", []string{"wuapi.dll", ""}), "ParameterArgumentValidationErrorEmptyStringNotAllowed,Get-WurDllPresence"},
	} {
		e := failure(t, th.call(tc.script, tc.params, false))
		if e.FQID != tc.fqid || e.Category != "InvalidData" {
			t.Fatalf("%+v", e)
		}
	}
	result[scripts.EchoResult](t, th.call("Test-WurEcho", p("Text", ""), false))
	result[scripts.ComponentHealthResult](t, hostFor(t, "components").call("Repair-WurComponentStore", p("Source", ""), false))
}

// On a French Windows every message the fake writes is French text.
func TestFrenchMessages(t *testing.T) {
	th := hostFor(t, "french", func(sc *Scenario) { sc.Machine.Services["wuauserv"].StopBehavior = behaviorHang })
	// The scripts wait with ServiceController.WaitForStatus: no warning.
	env := th.call("Stop-WurService", p("Name", "wuauserv", "TimeoutSec", 5), false)
	if len(env.Warnings) != 0 {
		t.Fatalf("warnings %q", env.Warnings)
	}
	var msgs []string
	for _, call := range []struct {
		script string
		params map[string]any
	}{
		{"Backup-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-r1")}, // in use
		{"Backup-WurFolder", p("Path", system32, "BackupPath", system32+".wurepair-r1")},
		{"Restore-WurFolder", p("Path", dataStoreDir, "BackupPath", dataStoreDir+".wurepair-x", "SetAsidePath", dataStoreDir+".wurepair-y")},
		{"Stop-WurService", p("Name", "nosuch", "TimeoutSec", 1)},
		{"Set-WurServiceStartType", p("Name", "wuauserv", "StartType", "Boot")},
		{"Get-WurDllPresence", p("Names", []string{`a\b.dll`})},
		{"Register-WurDll", p("Path", `C:\x.dll`)},
		{"Get-WurServiceState", p("Names", []string{""})},
		{"Get-WurServiceState", p("Names", []string{"x"}, "Name", "x")},
		{"Get-WurServiceState", nil},
		{"Stop-WurService", p("Name", "wuauserv", "TimeoutSec", "soon")},
	} {
		msgs = append(msgs, failure(t, th.call(call.script, call.params, false)).Message)
	}
	for _, m := range msgs {
		if !strings.ContainsAny(m, "éèêàçô«") {
			t.Errorf("not French: %q", m)
		}
	}
}

func TestSlowScript(t *testing.T) {
	th := hostFor(t, "0x80070002", func(sc *Scenario) {
		sc.Machine.Faults.SlowMs = map[string]int{"Get-WurPendingReboot": 30, "Stop-WurService": 50}
	})
	start := time.Now()
	result[scripts.PendingRebootResult](t, th.call("Get-WurPendingReboot", nil, false))
	if time.Since(start) < 30*time.Millisecond {
		t.Fatal("not slow")
	}
	// Slower than the request's timeout: stopped before it changed anything.
	before := th.bytes()
	env, _ := th.callCrash("Stop-WurService", p("Name", "wuauserv", "TimeoutSec", 30), false, 20)
	if !env.TimedOut || env.OK || th.bytes() != before {
		t.Fatalf("%+v", env)
	}
}

func TestSortedKeysHelper(t *testing.T) {
	got := sortFold([]string{"wuauserv", "BITS", "AppIDSvc", "bits"})
	if !sort.SliceIsSorted(got, func(i, j int) bool { return strings.ToLower(got[i]) < strings.ToLower(got[j]) }) {
		t.Fatal(got)
	}
}

// Every probe answers on every scenario with exactly its manifest's
// fields, no null, and without changing the machine.
func TestProbesOnEveryScenario(t *testing.T) {
	probes := []struct {
		script string
		params map[string]any
		decode func(*testing.T, *envelope)
	}{
		{"Get-WurServiceState", p("Names", []string{"wuauserv", "nosuch"}), func(t *testing.T, e *envelope) { result[scripts.ServiceStateResult](t, e) }},
		{"Get-WurWups2Registration", nil, func(t *testing.T, e *envelope) { result[scripts.Wups2Result](t, e) }},
		{"Get-WurDllPresence", p("Names", []string{"wuapi.dll", "muweb.dll"}), func(t *testing.T, e *envelope) { result[scripts.DllPresenceResult](t, e) }},
		{"Get-WurSoftwareDistribution", nil, func(t *testing.T, e *envelope) { result[scripts.SoftwareDistributionResult](t, e) }},
		{"Get-WurUpdateErrors", p("Days", 30), func(t *testing.T, e *envelope) { result[scripts.UpdateErrorsResult](t, e) }},
		{"Get-WurPendingReboot", nil, func(t *testing.T, e *envelope) { result[scripts.PendingRebootResult](t, e) }},
		{"Test-WurUpdateAgent", nil, func(t *testing.T, e *envelope) { result[scripts.AgentProbeResult](t, e) }},
		{"Get-WurComponentHealth", nil, func(t *testing.T, e *envelope) { result[scripts.ComponentHealthResult](t, e) }},
		{"Test-WurEcho", p("Text", "x"), func(t *testing.T, e *envelope) { result[scripts.EchoResult](t, e) }},
		{"Get-WurFileHolders", p("Path", `C:\Windows\SoftwareDistribution`), func(t *testing.T, e *envelope) { result[scripts.FileHoldersResult](t, e) }},
	}
	covered := map[string]bool{"Get-WurUpdateHistory": true} // starts wuauserv: TestUpdateHistory
	for _, d := range scenarioDefs {
		th := hostFor(t, d.file)
		before := th.bytes()
		for _, pr := range probes {
			covered[pr.script] = true
			pr.decode(t, th.call(pr.script, pr.params, false))
		}
		if th.bytes() != before {
			t.Fatalf("%s: a probe changed the machine", d.file)
		}
	}
	for _, s := range scripts.MustLoad().All() {
		if s.ReadOnly && !covered[s.Name] {
			t.Errorf("probe %s is not swept", s.Name)
		}
	}
}
