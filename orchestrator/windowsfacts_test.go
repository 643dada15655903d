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
