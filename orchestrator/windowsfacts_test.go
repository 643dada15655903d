package orchestrator

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
)

// resetFacts: an elevated machine whose folders may all be renamed.
func resetFacts() *Facts {
	f := &Facts{Host: ps.HostFacts{IsAdmin: true}}
	for _, n := range []string{"SoftwareDistribution", "DataStore", "Download", "catroot2", "Downloader"} {
		f.Folders.Folders = append(f.Folders.Folders, scripts.FolderInfo{Name: n, Path: `C:\X\` + n, Exists: true})
	}
	return f
}

// Issue 20 item 10: the reset plan re-registers only the update agent's
// and BITS's own COM servers (from Microsoft's list, step 6 "Reregister
// the BITS files and the Windows Update files"), never the XP-era browser,
// scripting, crypto, OLE and shell DLLs of the same list.
func TestResetRegistersOnlyAgentAndBITSDlls(t *testing.T) {
	var asked []string
	inv := &stubInvoker{answer: func(name string, p map[string]any) (any, *ps.ErrorRecord) {
		if name != "Get-WurDllPresence" {
			t.Fatalf("unexpected %s while building the plan", name)
		}
		asked = p["Names"].([]string)
		var files []scripts.DllFile
		for _, n := range asked {
			files = append(files, scripts.DllFile{Name: n, Path: `C:\Windows\System32\` + n, Exists: true, View: "64"})
		}
		return scripts.DllPresenceResult{Files: files}, nil
	}}
	steps, err := BuildSteps(context.Background(), NewHost(inv, scripts.MustLoad()), resetFacts(), []string{"reset"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"wuapi.dll", "wuaueng.dll", "wups.dll", "wups2.dll", "qmgr.dll", "qmgrprxy.dll"}
	if !slices.Equal(asked, want) {
		t.Fatalf("reset looks for %v, want %v", asked, want)
	}
	for _, s := range steps {
		for _, line := range s.Describe(resetFacts()) {
			for _, old := range []string{"ole32", "shell32", "mshtml", "urlmon", "jscript", "vbscript", "msxml", "wintrust", "rsaenh", "wucltux"} {
				if strings.Contains(line, old+".dll") {
					t.Errorf("the reset plan still registers %s: %q", old, line)
				}
			}
		}
	}
}

// Issue 20 item 6: only the reset plan renames the BITS queue (Downloader).
func TestOnlyResetRenamesTheBITSQueue(t *testing.T) {
	for _, plan := range []string{"wups2", "datastore", "components"} {
		if slices.Contains(RenamedFolders(plan), "Downloader") {
			t.Errorf("plan %s renames the BITS queue", plan)
		}
	}
	if !slices.Contains(RenamedFolders("reset"), "Downloader") {
		t.Fatal("reset does not rename the BITS queue")
	}
	lines := backupFolders{names: resetFolders}.Describe(resetFacts())
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, "every BITS job on the machine is dropped") }) {
		t.Fatalf("the reset dry run does not warn about the BITS jobs: %q", lines)
	}
}

// probeStub answers every probe of a machine whose update agent works,
// with the given update log; it records each call.
func probeStub(agentHR int64, events []scripts.UpdateErrorEvent) *stubInvoker {
	return &stubInvoker{answer: func(name string, p map[string]any) (any, *ps.ErrorRecord) {
		switch name {
		case "Get-WurServiceState":
			return scripts.ServiceStateResult{Services: []scripts.ServiceInfo{}}, nil
		case "Get-WurWups2Registration":
			return scripts.Wups2Result{}, nil
		case "Get-WurSoftwareDistribution":
			return scripts.SoftwareDistributionResult{}, nil
		case "Get-WurUpdateErrors":
			return scripts.UpdateErrorsResult{LogAvailable: true, Events: events}, nil
		case "Get-WurPendingReboot":
			return scripts.PendingRebootResult{Reasons: []string{}}, nil
		case "Test-WurUpdateAgent":
			return scripts.AgentProbeResult{SessionCreated: true, SearcherCreated: agentHR == 0, HResult: agentHR}, nil
		case "Get-WurComponentHealth":
			return scripts.ComponentHealthResult{ImageHealthState: "Repairable"}, nil
		}
		return nil, &ps.ErrorRecord{FQID: "Unexpected", Message: name}
	}}
}

// Issue 20 item 5: detect and diagnose run Repair-WindowsImage -CheckHealth
// (which starts TrustedInstaller and dismhost) only when a finding depends
// on its answer, and never -ScanHealth (which writes to the component
// store); a dry run of the components plan runs neither.
func TestCheckHealthOnlyWhenAFindingNeedsIt(t *testing.T) {
	for _, tc := range []struct {
		name    string
		agentHR int64
		events  []scripts.UpdateErrorEvent
		checked bool
	}{
		{"healthy machine", 0, nil, false},
		{"update store errors only", 0, []scripts.UpdateErrorEvent{{HResult: "0x80070002", TimeCreated: "2024-05-30T03:12:40Z"}}, false},
		{"component store errors", 0, []scripts.UpdateErrorEvent{{HResult: "0x800F081F", TimeCreated: "2024-05-30T03:12:40Z"}}, true},
		{"update agent broken", int64(int32(-2147221164)), nil, true}, // 0x80040154
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := probeStub(tc.agentHR, tc.events)
			h := NewHost(inv, scripts.MustLoad())
			f, err := Probe(context.Background(), h, ps.HostFacts{IsAdmin: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := BuildSteps(context.Background(), h, &f, []string{"components"}); err != nil {
				t.Fatal(err)
			}
			checks := 0
			for _, c := range inv.calls {
				if c.Name != "Get-WurComponentHealth" {
					continue
				}
				checks++
				if len(c.Params) != 0 {
					t.Fatalf("a read-only command called Get-WurComponentHealth with %v (ScanHealth writes to the store)", c.Params)
				}
			}
			if got := checks == 1; got != tc.checked || checks > 1 {
				t.Fatalf("CheckHealth ran %d times, want checked=%v; facts %+v", checks, tc.checked, f.ProbeErrors)
			}
			if tc.checked != (f.Component != nil) || tc.checked == (f.ComponentSkipped != "") {
				t.Fatalf("Component %+v, ComponentSkipped %q", f.Component, f.ComponentSkipped)
			}
			desc := strings.Join(repairComponents{}.Describe(&f), " ")
			if !tc.checked && !strings.Contains(desc, "not checked yet") {
				t.Fatalf("the components dry run does not say the store is checked when the plan starts: %q", desc)
			}
			d := Diagnose(f)
			if tc.name == "component store errors" && !slices.Contains(d.Plans, "components") {
				t.Fatalf("component store errors no longer lead to the components plan: %+v", d)
			}
		})
	}
}
