package fakehost

import (
	"fmt"
	"strings"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// Get-WurServiceState: one entry per name asked, in order.
func getServiceState(c *Call) {
	s := c.state()
	// WMI gives the process ids only: hung or broken, they are 0 and the
	// rest still comes from the SCM.
	// WMI is asked once, by name, for the services found; none: not asked.
	wmi := int64(0)
	for _, name := range c.Strs("Names") {
		if _, svc := s.LookupService(name); svc != nil {
			wmi = c.askWMI()
			break
		}
	}
	out := scripts.ServiceStateResult{Services: []scripts.ServiceInfo{}, WmiHResult: wmi}
	for _, name := range c.Strs("Names") {
		key, svc := s.LookupService(name)
		if svc == nil {
			out.Services = append(out.Services, scripts.ServiceInfo{Name: name, DependentServices: []string{}, ServicesDependedOn: []string{}})
			continue
		}
		out.Services = append(out.Services, scripts.ServiceInfo{
			Name: key, Exists: true, Status: svc.Status, StartType: svc.StartType,
			DelayedAutoStart: svc.delayedEffective(), ProcessId: pidUnlessWMIFails(svc, wmi),
			// In stop order, as EnumDependentServices gives them (real pwsh
			// showed the script passes ServiceController's order through).
			DependentServices:  s.dependentsInStopOrder(key),
			ServicesDependedOn: append([]string{}, svc.DependsOn...),
		})
	}
	c.Out(out)
}

// Stop-WurService: stops a service (its running dependents first when
// asked), waits up to TimeoutSec, kills nothing.
func stopService(c *Call) {
	s := c.state()
	key, svc := s.LookupService(c.Str("Name"))
	if svc == nil {
		c.serviceNotFound(c.Str("Name"))
		return
	}
	timeout := time.Duration(max(c.Int("TimeoutSec", 0), 0)) * time.Second
	wmi := c.askWMI() // this service's process id only
	res := scripts.StopServiceResult{Name: key, PreviousStatus: svc.Status, ProcessId: pidUnlessWMIFails(svc, wmi),
		StoppedDependents: []string{}, WmiHResult: wmi, WhatIf: c.CheckMode}
	if svc.Status == statusStopped {
		res.Status, res.Stopped = statusStopped, true
		c.Out(res)
		return
	}
	running := s.stopOrder(key)
	if len(running) > 0 && !c.Bool("StopDependents") {
		res.Status = svc.Status
		if !c.CheckMode {
			res.Win32Error = win32DependentsRunning // what the SCM would answer; not asked
		}
		c.Out(res)
		return
	}
	if c.CheckMode { // as the script: -WhatIf reports the service as it is
		res.Status = svc.Status
		c.Out(res)
		return
	}
	if !c.isAdmin() {
		// ServiceController.Stop() throws (Win32 error 5); the script
		// catches it and reports the service as it is: data, not an error
		// (real pwsh showed it; the fake threw Stop-Service's error).
		res.Status, res.Win32Error = svc.Status, win32AccessDenied
		c.Out(res)
		return
	}
	for _, d := range running {
		ok, code := s.stop(d)
		if !ok {
			if code == 0 { // accepted, not Stopped in time
				c.waitedInVain(d, timeout)
			}
			res.Status, res.Win32Error = svc.Status, code
			c.Out(res)
			return
		}
		res.StoppedDependents = append(res.StoppedDependents, d)
	}
	if ok, code := s.stop(key); ok {
		res.Status, res.Stopped = statusStopped, true // what WaitForStatus saw, even if a trigger restarts it next
	} else {
		if code == 0 {
			c.waitedInVain(key, timeout)
		}
		res.Status, res.Win32Error = svc.Status, code
	}
	c.Out(res)
}

// pidUnlessWMIFails is the process id the scripts report: from WMI only.
func pidUnlessWMIFails(svc *Service, wmi int64) int {
	if wmi != 0 {
		return 0
	}
	return svc.ProcessID
}

// waitedInVain is WaitForStatus timing out: the time passes, silently
// (the script waits with ServiceController.WaitForStatus, which writes no
// warning; real pwsh showed the fake's Stop-Service-style "Waiting for
// service" warning was never there).
func (c *Call) waitedInVain(_ string, timeout time.Duration) {
	c.Elapsed += timeout
}

// Start-WurService: a start that fails is data (Started=false), not an error.
func startService(c *Call) {
	s := c.state()
	key, svc := s.LookupService(c.Str("Name"))
	if svc == nil {
		c.serviceNotFound(c.Str("Name"))
		return
	}
	res := scripts.StartServiceResult{Name: key, PreviousStatus: svc.Status, WhatIf: c.CheckMode}
	switch {
	case svc.Status == statusRunning:
		res.Started = true
	case c.CheckMode: // nothing started; reported as it is
	case svc.StartType == startDisabled: // not asked: what the SCM would answer
		res.Win32Error = win32Disabled
	case !c.isAdmin(): // Start() fails (access denied): data
		res.Win32Error = win32AccessDenied
	default:
		timeout := time.Duration(max(c.Int("TimeoutSec", 0), 0)) * time.Second
		if svc.Status == statusStopPending {
			c.waitedInVain(key, timeout) // waits for Stopped first, in vain
		}
		res.Win32Error = s.startCode(key)
		res.Started = res.Win32Error == 0
	}
	res.Status = svc.Status
	c.Out(res)
}

// Set-WurServiceStartType: Automatic, Manual or Disabled; the delayed flag
// (the DelayedAutostart registry value) is written only for Automatic.
func setServiceStartType(c *Call) {
	want := c.Str("StartType")
	st := ""
	for _, t := range []string{startAutomatic, startManual, startDisabled} {
		if strings.EqualFold(t, want) {
			st = t
		}
	}
	if st == "" {
		c.throw(ErrorRecord{
			Message: c.tr(fmt.Sprintf("Start type '%s' is refused: only Automatic, Manual or Disabled.", want),
				fmt.Sprintf("Le type de démarrage « %s » est refusé : seulement Automatic, Manual ou Disabled.", want)),
			FQID: "WurStartTypeRefused", Category: "InvalidArgument", Target: want,
			HResult: hrInvalidArg.Int64(), ExceptionType: "System.ArgumentException"})
		return
	}
	s := c.state()
	key, svc := s.LookupService(c.Str("Name"))
	if svc == nil {
		c.serviceNotFound(c.Str("Name"))
		return
	}
	// The DelayedAutostart value is written only for Automatic (and kept
	// as it is otherwise); what the script reports is the effective
	// "Automatic (Delayed Start)", read back after the change.
	flag := svc.DelayedAutoStart
	if st == startAutomatic {
		flag = c.Bool("DelayedAutoStart")
	}
	// The delayed flag is read through WMI, this service only; when it
	// fails, from the registry (the same value in this simulation), and
	// WMI is not asked again.
	res := scripts.SetStartTypeResult{Name: key, PreviousStartType: svc.StartType, PreviousDelayedAutoStart: svc.delayedEffective(),
		WmiHResult: c.askWMI(), WhatIf: c.CheckMode}
	changes := svc.StartType != st || svc.DelayedAutoStart != flag
	// Nothing to change: nothing is written, so even a host that is not
	// elevated succeeds (restoring a protected service never changed).
	if changes && !c.CheckMode {
		if !c.isAdmin() {
			// sc.exe config exits 5 (the SCM's access denied): the script
			// throws its own record around a Win32Exception.
			c.startTypeNotSet(key, win32AccessDenied)
			return
		}
		svc.StartType, svc.DelayedAutoStart = st, flag
	}
	res.StartType, res.DelayedAutoStart = svc.StartType, svc.delayedEffective()
	c.Out(res)
}

// startTypeNotSet is Set-WurServiceStartType's error when sc.exe config
// exits non-zero: a Win32Exception (HResult E_FAIL, as every
// Win32Exception) with sc.exe's exit code, the SCM's Win32 error.
func (c *Call) startTypeNotSet(name string, code int) {
	cat := "InvalidOperation"
	if code == win32AccessDenied {
		cat = "PermissionDenied"
	}
	c.throw(ErrorRecord{
		Message: c.tr("Access is denied.", "Accès refusé."),
		FQID:    "WurStartTypeNotSet", Category: cat, Target: name,
		HResult: hrFail.Int64(), ExceptionType: "System.ComponentModel.Win32Exception"})
}

// delayedEffective is "Automatic (Delayed Start)": the DelayedAutostart
// flag only counts for an Automatic service.
func (svc *Service) delayedEffective() bool {
	return svc.StartType == startAutomatic && svc.DelayedAutoStart
}
