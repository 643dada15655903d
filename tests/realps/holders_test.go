package realps

import (
	"testing"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 20 item 4: Get-WurFileHolders on real pwsh (the Restart Manager
// doubled: its P/Invoke needs Windows) gives what the fake host gives: the
// running service holding DataStore.edb, the process (not a service)
// holding a file in Download, the files walked without following the
// planted junction, and the same refusals.
func TestFileHolders(t *testing.T) {
	moUso := func(sc *fakehost.Scenario) {
		sc.Machine.Processes = map[string]*fakehost.Process{"MoUsoCoreWorker.exe": {ProcessID: 7788, Description: "MoUSO Core Worker Process",
			Holds: []string{`C:\Windows\SoftwareDistribution\Download\0c5d5f3a1b9e4c7d8f2a6b1e3c9d7f40\Windows10.0-KB5034441-x64.cab`}}}
	}
	m := newMachine(t, scenarioPath(t, "junction"), moUso)
	e := newEngines(t, m, "Machine.ps1", "RestartManager.ps1", "Services.ps1")
	typ := scripts.FileHoldersResult{}
	held := func(want int, service string) func(t *testing.T, m *machine, res any) {
		return func(t *testing.T, _ *machine, res any) {
			r := res.(*scripts.FileHoldersResult)
			image := "MoUsoCoreWorker"
			if service != "" {
				image = "svchost"
			}
			if len(r.Holders) != 1 || r.Holders[0].ProcessId != want || r.Holders[0].ServiceName != service || r.Holders[0].ProcessName != image {
				t.Errorf("holders %+v, want process %d (%q)", r.Holders, want, service)
			}
		}
	}
	runSteps(t, e, []step{
		{name: "DataStore: wuauserv, junction not followed", script: "Get-WurFileHolders", params: map[string]any{"Path": ds}, typ: typ, check: held(4412, "wuauserv")},
		{name: "Download: a process", script: "Get-WurFileHolders", params: map[string]any{"Path": sd + `\Download`}, typ: typ, check: held(7788, "")},
		// Bounded, as diagnose asks (breadth first, MaxDepth levels, MaxFiles files).
		{name: "DataStore, one level", script: "Get-WurFileHolders", params: map[string]any{"Path": ds, "MaxDepth": 1}, typ: typ, check: held(4412, "wuauserv")},
		{name: "Download, two levels", script: "Get-WurFileHolders", params: map[string]any{"Path": sd + `\Download`, "MaxDepth": 2, "MaxFiles": 256}, typ: typ, check: held(7788, "")},
		{name: "relative", script: "Get-WurFileHolders", params: map[string]any{"Path": `Windows\SoftwareDistribution`}, fqid: "WurPathRefused", typ: typ},
		{name: "UNC", script: "Get-WurFileHolders", params: map[string]any{"Path": `\\server\share\x`}, fqid: "WurPathRefused", typ: typ},
		{name: "a file", script: "Get-WurFileHolders", params: map[string]any{"Path": ds + `\DataStore.edb`}, fqid: "WurPathRefused", typ: typ},
		{name: "the junction itself", script: "Get-WurFileHolders", params: map[string]any{"Path": ds + `\Config`}, fqid: "WurPathRefused", typ: typ},
		{name: "missing", script: "Get-WurFileHolders", params: map[string]any{"Path": `C:\nosuch`}, fqid: "WurPathRefused", typ: typ},
	})
}
