package fakehost

import (
	"sort"
	"strings"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// Service statuses, start types and stop behaviours the simulation acts on.
const (
	statusRunning     = "Running"
	statusStopped     = "Stopped"
	statusStopPending = "StopPending"

	startAutomatic = "Automatic"
	startManual    = "Manual"
	startDisabled  = "Disabled"

	behaviorHang     = "hang"
	behaviorIgnores  = "ignoresStop"
	behaviorRestarts = "restartsAfterStop"
	// behaviorProtected: the SCM refuses the stop even to SYSTEM (5).
	behaviorProtected = "protected"
	// behaviorNoControl: the SCM refuses the stop with 1061.
	behaviorNoControl = "cannotAcceptControl"

	// triggerService restarts a restartsAfterStop service unless it is
	// stopped (UsoSvc trigger-starts wuauserv on Windows 10+).
	triggerService = "UsoSvc"
)

// LookupService finds a service case-insensitively and returns its
// canonical name.
func (s *MachineState) LookupService(name string) (string, *Service) {
	if svc, ok := s.Services[name]; ok {
		return name, svc
	}
	for k, svc := range s.Services {
		if samePath(k, name) {
			return k, svc
		}
	}
	return "", nil
}

// dependents are the services that depend on name, directly or not (as
// EnumDependentServices reports them), sorted case-insensitively.
func (s *MachineState) dependents(name string) []string {
	found := map[string]bool{}
	frontier := []string{name}
	for len(frontier) > 0 {
		cur := frontier[0]
		frontier = frontier[1:]
		for k, svc := range s.Services {
			if found[k] {
				continue
			}
			for _, d := range svc.DependsOn {
				if d == cur {
					found[k] = true
					frontier = append(frontier, k)
					break
				}
			}
		}
	}
	return sortFold(keysOf(found))
}

// stopOrder returns the dependents of name that are not Stopped, in the
// order the script stops them: ServiceController.DependentServices (every
// dependent, in stop order) filtered to those running. (Real pwsh showed
// it: ordering only the running ones put CryptSvc before wuauserv.)
func (s *MachineState) stopOrder(name string) []string {
	out := []string{}
	for _, d := range s.dependentsInStopOrder(name) {
		if s.Services[d].Status != statusStopped {
			out = append(out, d)
		}
	}
	return out
}

// dependentsInStopOrder returns every dependent of name, each after every
// one of them that depends on it: the order
// ServiceController.DependentServices (EnumDependentServices) gives, which
// the scripts stop them in. Ties sort case-insensitively.
func (s *MachineState) dependentsInStopOrder(name string) []string {
	left := map[string]bool{}
	for _, d := range s.dependents(name) {
		left[d] = true
	}
	order := []string{}
	for len(left) > 0 {
		var ready []string
		for d := range left {
			blocked := false
			for _, dd := range s.dependents(d) {
				if left[dd] {
					blocked = true
					break
				}
			}
			if !blocked {
				ready = append(ready, d)
			}
		}
		sortFold(ready)
		for _, d := range ready {
			delete(left, d)
		}
		order = append(order, ready...)
	}
	return order
}

// Win32 errors the Service Control Manager answers: what
// ServiceController's InvalidOperationException carries inside, as the
// NativeErrorCode of a Win32Exception, and the scripts report as Win32Error.
const (
	win32AccessDenied        = 5
	win32DependentsRunning   = 1051
	win32NoResponse          = 1053
	win32AlreadyRunning      = 1056
	win32Disabled            = 1058
	win32CannotAcceptControl = 1061
	win32DependencyFailed    = 1068
)

// WMI faults (MachineFaults.WMI) and the HRESULT the scripts report for
// them (the exception's HResult; modelled: WBEM_E_CALL_CANCELLED for a
// call that ran into -OperationTimeoutSec, WBEM_E_INVALID_CLASS for a
// damaged repository).
const (
	wmiHung   = "hung"
	wmiBroken = "broken"
)

// wmiHResult is what a script reports for the machine's WMI: 0 when it answers.
func (s *MachineState) wmiHResult() int64 {
	switch s.Faults.WMI {
	case wmiHung:
		return int64(int32(-2147217358)) // 0x80041032
	case wmiBroken:
		return int64(int32(-2147217392)) // 0x80041010
	}
	return 0
}

// wmiOperationTimeout is how long one query of a hung WMI takes before
// it gives up: the -OperationTimeoutSec of Get-WurServiceCim (the safety
// library's one bounded, by-name Win32_Service query). Its 15 s runspace
// wait, for a WMI that ignores even that, is not modelled: the fake's hung
// WMI honours the operation timeout.
const wmiOperationTimeout = 10 * time.Second

// askWMI is one Get-WurServiceCim query for the services a script names
// (never every service): the HRESULT the script reports, and a hung WMI
// costs the query's bound in simulated time. Scripts ask only for services
// that exist, and Set-WurServiceStartType asks no more once it failed.
func (c *Call) askWMI() int64 {
	s := c.state()
	if s.Faults.WMI == wmiHung {
		c.Elapsed += wmiOperationTimeout
	}
	return s.wmiHResult()
}

// isRunning is any status but Stopped: the process exists and holds files.
func (svc *Service) isRunning() bool { return svc.Status != statusStopped }

// nextPID is a fresh process id, deterministic: above every one in use.
func (s *MachineState) nextPID() int {
	top := 996
	for _, svc := range s.Services {
		top = max(top, svc.ProcessID)
	}
	return top + 4
}

// stop stops a service and reports whether it reached Stopped, and the
// SCM's refusal of the stop control (0: accepted). A hung service accepts
// it and stays StopPending; one that ignores the stop stays Running
// (1053); a protected one is refused (5), one that cannot accept controls
// now too (1061). A restartsAfterStop service stops, then its trigger
// starts it again unless UsoSvc is stopped; one with TriggerRestarts left
// is started again by a trigger wurepair does not stop (WaaSMedicSvc, a
// scheduled scan), using one up.
func (s *MachineState) stop(name string) (bool, int) {
	svc := s.Services[name]
	if svc.Status == statusStopped {
		return true, 0
	}
	switch svc.StopBehavior {
	case behaviorHang:
		svc.Status = statusStopPending
		return false, 0
	case behaviorIgnores:
		return false, win32NoResponse // never acknowledges the stop control: stays Running
	case behaviorProtected:
		return false, win32AccessDenied
	case behaviorNoControl:
		return false, win32CannotAcceptControl
	}
	svc.Status, svc.ProcessID = statusStopped, 0
	if svc.StopBehavior == behaviorRestarts {
		if _, trig := s.LookupService(triggerService); trig != nil && trig.isRunning() {
			s.start(name)
		}
	}
	if svc.TriggerRestarts > 0 && svc.Status == statusStopped {
		svc.TriggerRestarts--
		s.start(name)
	}
	return true, 0
}

// start starts a service and the services it depends on; it reports
// whether the service is Running. Disabled services, services whose start
// fails and services still stopping do not start.
func (s *MachineState) start(name string) bool { return s.startCode(name) == 0 }

// startCode starts a service and the services it depends on and returns
// the SCM's answer (0: Running): 1056 while it is still stopping, 1058
// Disabled, 1053 when its start fails, 1068 when a dependency does not
// start (the doubles of tests/realps answer the same).
func (s *MachineState) startCode(name string) int {
	svc := s.Services[name]
	switch {
	case svc.Status == statusRunning:
		return 0
	case svc.StartType == startDisabled:
		return win32Disabled
	case svc.Status != statusStopped:
		return win32AlreadyRunning
	case svc.StartFails:
		return win32NoResponse
	}
	for _, d := range svc.DependsOn {
		if !s.start(d) {
			return win32DependencyFailed
		}
	}
	svc.Status, svc.ProcessID = statusRunning, s.nextPID()
	for _, h := range svc.Holds {
		parent := parentOf(h)
		if _, e := s.lookup(h); e == nil && s.isDir(parent) {
			s.Files[s.canon(parent)+`\`+baseName(h)] = &FileEntry{Kind: kindFile, Created: s.Now}
		}
	}
	return 0
}

// lockedIn finds a file at or inside root that a running service holds
// open: renaming or deleting root then fails with a sharing violation.
func (s *MachineState) lockedIn(root string) (file, service string, locked bool) {
	names := keysOf(s.Services)
	sort.Strings(names)
	for _, n := range names {
		svc := s.Services[n]
		if !svc.isRunning() {
			continue
		}
		for _, h := range svc.Holds {
			if k, e := s.lookup(h); e != nil && atOrInside(k, root) {
				return k, n, true
			}
		}
	}
	for _, n := range sortedKeys(s.Processes) {
		for _, h := range s.Processes[n].Holds {
			if k, e := s.lookup(h); e != nil && atOrInside(k, root) {
				return k, n, true
			}
		}
	}
	return "", "", false
}

// RM_APP_TYPE values the Restart Manager reports.
const (
	rmUnknownApp = 0
	rmService    = 3
)

// holdersOf is what the Restart Manager (RmGetList) answers for the
// registered files (canonical paths): the running services and the
// processes holding one, sorted by process id then service name.
func (s *MachineState) holdersOf(files map[string]bool) []scripts.FileHolder {
	out := []scripts.FileHolder{}
	holds := func(list []string) bool {
		for _, h := range list {
			if k, e := s.lookup(h); e != nil && files[k] {
				return true
			}
		}
		return false
	}
	for _, n := range sortedKeys(s.Services) {
		if svc := s.Services[n]; svc.isRunning() && holds(svc.Holds) {
			// Services run in a service host here (svchost.exe).
			out = append(out, scripts.FileHolder{ProcessId: svc.ProcessID, Name: svc.DisplayName, ServiceName: n, ApplicationType: rmService, ProcessName: "svchost"})
		}
	}
	for _, n := range sortedKeys(s.Processes) {
		if pr := s.Processes[n]; holds(pr.Holds) {
			// Processes are named by their image file; ProcessName drops .exe.
			image := n
			if strings.HasSuffix(strings.ToLower(image), ".exe") {
				image = image[:len(image)-4]
			}
			out = append(out, scripts.FileHolder{ProcessId: pr.ProcessID, Name: pr.Description, ServiceName: "", ApplicationType: rmUnknownApp, ProcessName: image})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ProcessId != out[j].ProcessId {
			return out[i].ProcessId < out[j].ProcessId
		}
		return out[i].ServiceName < out[j].ServiceName
	})
	return out
}
