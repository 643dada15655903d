package fakehost

import (
	"strings"
	"unicode/utf16"
)

// verbs maps each embedded script name to its simulation (a read-only
// table). Each simulation follows scripts/README.md: same refusals, same
// result shape (built from the scripts package's types), and under
// CheckMode ($WhatIfPreference) it changes nothing and reports WhatIf.
var verbs = map[string]Verb{
	"Test-WurEcho": echo,

	"Get-WurServiceState":     getServiceState,
	"Stop-WurService":         stopService,
	"Start-WurService":        startService,
	"Set-WurServiceStartType": setServiceStartType,

	"Get-WurSoftwareDistribution": getSoftwareDistribution,
	"Backup-WurFolder":            backupFolder,
	"Restore-WurFolder":           restoreFolder,
	"Remove-WurBackup":            removeBackup,
	"Get-WurFileHolders":          getFileHolders,

	"Get-WurWups2Registration": getWups2Registration,
	"Get-WurDllPresence":       getDllPresence,
	"Register-WurDll":          registerDll,

	"Test-WurUpdateAgent":  testUpdateAgent,
	"Get-WurUpdateErrors":  getUpdateErrors,
	"Get-WurUpdateHistory": getUpdateHistory,
	"Get-WurPendingReboot": getPendingReboot,

	"Get-WurComponentHealth":   getComponentHealth,
	"Repair-WurComponentStore": repairComponentStore,
}

// state is the machine the call acts on.
func (c *Call) state() *MachineState { return &c.Machine.State }

// is64BitOS comes from the scenario's host profile.
func (c *Call) is64BitOS() bool { return c.Host.sc.Host.Is64BitOS }

// isAdmin: the host runs elevated.
func (c *Call) isAdmin() bool { return c.Host.sc.Host.IsAdmin }

func echo(c *Call) {
	text := c.Str("Text")
	if n := c.Host.sc.Faults.HugeOutputBytes; n > 0 {
		text = strings.Repeat("x", n)
	}
	items := c.Strs("Items")
	if c.Host.sc.Faults.French {
		c.Warn("L'opération « écho » s'est terminée ; aucune donnée n'a été modifiée.")
	}
	c.Out(map[string]any{
		"Text":   text,
		"Length": len(utf16.Encode([]rune(text))),
		"Items":  items,
	})
}
