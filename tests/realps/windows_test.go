package realps

import (
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

const (
	sys32 = `C:\Windows\System32`
	wow64 = `C:\Windows\SysWOW64`
)

// The scripts whose Windows-only calls are doubled (registry, file
// versions, event log, COM, DISM, regsvr32), on the scenario machines.
// Only 64-bit scenarios: [Environment]::Is64BitOperatingSystem is the
// Linux machine's and cannot be doubled.
func TestWindowsScripts(t *testing.T) {
	echo := step{name: "echo", script: "Test-WurEcho", params: map[string]any{"Text": "Déjà vu ; $(x) `n \u201cq\u201d 中文", "Items": []string{"a", "", "b c"}}, typ: scripts.EchoResult{}}
	probes := []step{
		echo,
		{name: "wups2", script: "Get-WurWups2Registration", typ: scripts.Wups2Result{}},
		{name: "dll presence", script: "Get-WurDllPresence", params: map[string]any{"Names": []string{"wups2.dll", "wuaueng.dll", "nosuch.dll"}}, typ: scripts.DllPresenceResult{}},
		{name: "dll name refused", script: "Get-WurDllPresence", params: map[string]any{"Names": []string{`..\evil.dll`}}, fqid: "WurNameRefused", typ: scripts.DllPresenceResult{}},
		{name: "agent", script: "Test-WurUpdateAgent", typ: scripts.AgentProbeResult{}},
		{name: "errors", script: "Get-WurUpdateErrors", params: map[string]any{"Days": 3650}, typ: scripts.UpdateErrorsResult{}},
		{name: "reboot", script: "Get-WurPendingReboot", typ: scripts.PendingRebootResult{}},
		{name: "component health", script: "Get-WurComponentHealth", typ: scripts.ComponentHealthResult{}},
	}
	history := step{name: "history", script: "Get-WurUpdateHistory", typ: scripts.UpdateHistoryResult{}}
	cases := map[string][]step{
		"healthy":    append(append([]step{}, probes...), history),
		"0x80070002": append(append([]step{}, probes...), history),
		"kb943144": append(append([]step{}, probes...),
			step{name: "history fails: data, not an error", script: "Get-WurUpdateHistory", typ: scripts.UpdateHistoryResult{}},
			step{name: "register whatif", script: "Register-WurDll", params: map[string]any{"Path": sys32 + `\wups2.dll`}, checkMode: true, typ: scripts.RegisterDllResult{}},
			step{name: "register outside System32", script: "Register-WurDll", params: map[string]any{"Path": `C:\Windows\wups2.dll`}, fqid: "WurPathRefused", typ: scripts.RegisterDllResult{}},
			step{name: "register missing", script: "Register-WurDll", params: map[string]any{"Path": sys32 + `\nosuch.dll`}, typ: scripts.RegisterDllResult{}},
			step{name: "register 64", script: "Register-WurDll", params: map[string]any{"Path": sys32 + `\wups2.dll`}, typ: scripts.RegisterDllResult{}},
			step{name: "register 32", script: "Register-WurDll", params: map[string]any{"Path": wow64 + `\wups2.dll`}, typ: scripts.RegisterDllResult{}},
			step{name: "wups2 after", script: "Get-WurWups2Registration", typ: scripts.Wups2Result{}},
			step{name: "agent after", script: "Test-WurUpdateAgent", typ: scripts.AgentProbeResult{}},
			history),
		// Issue 15: the update service of each event, and every reboot reason.
		"store-app-0x80070002": {
			{name: "errors", script: "Get-WurUpdateErrors", params: map[string]any{"Days": 3650}, typ: scripts.UpdateErrorsResult{}},
		},
		"pending-reboot": {
			{name: "reboot", script: "Get-WurPendingReboot", typ: scripts.PendingRebootResult{}},
			{name: "errors", script: "Get-WurUpdateErrors", params: map[string]any{"Days": 3650}, typ: scripts.UpdateErrorsResult{}},
		},
		"regsvr32-denied": {
			{name: "register denied", script: "Register-WurDll", params: map[string]any{"Path": sys32 + `\wups2.dll`}, typ: scripts.RegisterDllResult{}},
		},
		"components": {
			{name: "component health", script: "Get-WurComponentHealth", typ: scripts.ComponentHealthResult{}},
			{name: "repair whatif", script: "Repair-WurComponentStore", checkMode: true, typ: scripts.ComponentHealthResult{}},
			{name: "repair", script: "Repair-WurComponentStore", typ: scripts.ComponentHealthResult{}},
			{name: "reboot after", script: "Get-WurPendingReboot", typ: scripts.PendingRebootResult{}},
		},
	}
	for scen, steps := range cases {
		t.Run(scen, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, scenarioPath(t, scen))
			runSteps(t, newEngines(t, m), steps)
		})
	}
}
