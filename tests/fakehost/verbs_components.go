package fakehost

import "github.com/wurepair/wurepair/scripts"

// dismProgress is the PercentComplete Repair-WindowsImage -ScanHealth and
// -RestoreHealth report as they go (DISM's own stalls at 62.3% and 84.9%
// included), which the bootstrap sends as progress frames.
var dismProgress = []int{0, 10, 20, 40, 62, 84, 100}

// Get-WurComponentHealth: Repair-WindowsImage -Online -CheckHealth reads
// the flag the last scan left, not the store; with Scan, -ScanHealth
// reads the store and records what it found (needs elevation either way).
func getComponentHealth(c *Call) {
	if !c.isAdmin() {
		c.elevationRequired()
		return
	}
	cs := &c.state().ComponentStore
	if c.Bool("Scan") {
		if !c.Progress(dismProgress...) {
			return
		}
		cs.Flag = "" // the scan saw the store as it is
	}
	c.Out(scripts.ComponentHealthResult{ImageHealthState: cs.checkHealth(), RestartNeeded: cs.RestartNeeded})
}

// Repair-WurComponentStore: -RestoreHealth on a Repairable store does what
// the machine's outcome says; a failure for want of repair files is data.
// Under WhatIf it reports the store as CheckHealth sees it now.
func repairComponentStore(c *Call) {
	if !c.isAdmin() {
		c.elevationRequired()
		return
	}
	s := c.state()
	cs := &s.ComponentStore
	res := scripts.ComponentHealthResult{WhatIf: c.CheckMode}
	if !c.CheckMode && !c.Progress(dismProgress...) {
		return
	}
	if !c.CheckMode && cs.State == storeRepairable {
		outcome := cs.RestoreHealth
		if c.Str("Source") != "" && cs.RestoreHealthWithSource != "" {
			outcome = cs.RestoreHealthWithSource
		}
		switch outcome {
		case outcomeHealthy:
			cs.State = storeHealthy
			if cs.RestartAfterRepair {
				cs.RestartNeeded = true
				s.addRebootReason("CBSRebootPending")
			}
		case outcomeSourceMissing, outcomeSourceDisallowed, outcomeWSUSNoContent:
			res.SourceMissing, res.HResult = true, sourceUnavailable[outcome].Int64()
		case outcomeNonRepairable:
			cs.State = storeNonRepairable
		}
	}
	if !c.CheckMode {
		// RestoreHealth scans the whole store: the flag is what it left.
		cs.Flag = ""
	}
	// The script ends with a fresh -CheckHealth: the flag.
	res.ImageHealthState, res.RestartNeeded = cs.checkHealth(), cs.RestartNeeded
	c.Out(res)
}

// addRebootReason adds a reason, keeping Get-WurPendingReboot's order.
func (s *MachineState) addRebootReason(r string) {
	var out []string
	for _, known := range rebootReasons {
		if known == r || oneOf(known, s.PendingReboot) {
			out = append(out, known)
		}
	}
	s.PendingReboot = out
}
