package orchestrator

// inactivityScripts are the scripts whose manifest timeout is an
// inactivity timeout: Repair-WindowsImage -ScanHealth and -RestoreHealth
// run for tens of minutes and report PercentComplete as they go, so the
// timeout restarts at each progress frame (ps.Request.Inactivity) instead
// of capping a slow but working repair. DISM is known to sit on one
// percentage (62.3%, 84.9%) for many minutes: their timeouts allow that.
var inactivityScripts = map[string]bool{
	"Get-WurComponentHealth":   true,
	"Repair-WurComponentStore": true,
}
