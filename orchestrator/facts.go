package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
)

// ServiceNames are the services wurepair reads and may stop, in the order
// a full reset stops them: UsoSvc first (it trigger-starts wuauserv on
// Windows 10+), DoSvc last among those holding SoftwareDistribution files.
var serviceNames = []string{"UsoSvc", "BITS", "wuauserv", "AppIDSvc", "CryptSvc", "DoSvc", "msiserver", "TrustedInstaller"}

// Facts is everything the probes found. A probe that failed leaves its
// field empty and an entry in ProbeErrors.
type Facts struct {
	Host     ps.HostFacts          `json:"host"`
	Services []scripts.ServiceInfo `json:"services"`
	// WmiHResult is not 0 when WMI hung or failed during the service probe:
	// process ids are unknown, the rest came from the SCM.
	WmiHResult  int64                              `json:"wmiHResult,omitempty"`
	Wups2       scripts.Wups2Result                `json:"wups2"`
	Folders     scripts.SoftwareDistributionResult `json:"softwareDistribution"`
	Errors      scripts.UpdateErrorsResult         `json:"updateErrors"`
	Reboot      scripts.PendingRebootResult        `json:"pendingReboot"`
	Agent       scripts.AgentProbeResult           `json:"agent"`
	Component   *scripts.ComponentHealthResult     `json:"componentStore,omitempty"`
	ProbeErrors map[string]string                  `json:"probeErrors,omitempty"`
	// Repairs are wurepair's own successful repairs on this machine (from
	// the state directory's journals): errors logged before one that
	// addresses them are history, not a reason to repair again.
	Repairs []PastRepair `json:"repairs,omitempty"`
	// RepairSource is repair's --source ("" when none is given): with it,
	// the repair-source errors (0x800F0906, 0x800F0907, 0x800F0950,
	// 0x800F0954) justify the components plan; without it they get advice.
	RepairSource string `json:"repairSource,omitempty"`

	// ComponentSkipped says why CheckHealth did not run (no finding
	// depends on it); "" when it ran or could not (not elevated).
	ComponentSkipped string `json:"componentStoreSkipped,omitempty"`

	// Holders is who holds files in the folders the justified plans
	// rename (ProbeHolders, holders.go; bounded); empty when no such plan
	// is justified.
	Holders []FolderHolders `json:"holders,omitempty"`
}

// PastRepair is one plan a successful run carried out.
type PastRepair struct {
	Plan  string    `json:"plan"`
	Run   string    `json:"run"`
	Ended time.Time `json:"ended"`
	// Findings are the ids of the findings that led to the run (its
	// findings record; empty for journals older than that record).
	Findings []string `json:"findings,omitempty"`
}

// PastRepairs lists the plans of the successful repair runs, oldest first.
func PastRepairs(runs []RunSummary) []PastRepair {
	var out []PastRepair
	for _, r := range runs {
		if !r.Verified || r.Command != "repair" || r.Outcome != OutcomeSuccess || r.Ended.IsZero() {
			continue
		}
		for _, p := range r.Plans {
			out = append(out, PastRepair{Plan: p, Run: r.ID, Ended: r.Ended, Findings: r.Findings})
		}
	}
	return out
}

// Service returns the named service, or nil.
func (f *Facts) Service(name string) *scripts.ServiceInfo {
	for i := range f.Services {
		if strings.EqualFold(f.Services[i].Name, name) {
			return &f.Services[i]
		}
	}
	return nil
}

// Folder returns the named folder of Get-WurSoftwareDistribution, or nil.
func (f *Facts) Folder(name string) *scripts.FolderInfo {
	for i := range f.Folders.Folders {
		if strings.EqualFold(f.Folders.Folders[i].Name, name) {
			return &f.Folders.Folders[i]
		}
	}
	return nil
}

// running reports a service that exists and runs.
func running(s *scripts.ServiceInfo) bool { return s != nil && s.Exists && s.Status == "Running" }

// ErrorDays is how far back diagnosis reads the update log.
const ErrorDays = 30

// Probe runs every read-only probe. Script failures and timeouts are
// recorded and the diagnosis goes on without that probe; a dead or unusable
// session, or a cancelled context, aborts.
func Probe(ctx context.Context, h *Host, host ps.HostFacts) (Facts, error) {
	f := Facts{Host: host, ProbeErrors: map[string]string{}}
	note := func(name string, err error) error { return noteProbe(ctx, &f, name, err) }
	svc, err := call[scripts.ServiceStateResult](ctx, h, "Get-WurServiceState", map[string]any{"Names": serviceNames})
	if err != nil {
		if err := note("Get-WurServiceState", err); err != nil {
			return f, err
		}
	}
	f.Services, f.WmiHResult = svc.Services, svc.WmiHResult
	if f.Wups2, err = call[scripts.Wups2Result](ctx, h, "Get-WurWups2Registration", nil); err != nil {
		if err := note("Get-WurWups2Registration", err); err != nil {
			return f, err
		}
	}
	if f.Folders, err = call[scripts.SoftwareDistributionResult](ctx, h, "Get-WurSoftwareDistribution", nil); err != nil {
		if err := note("Get-WurSoftwareDistribution", err); err != nil {
			return f, err
		}
	}
	if f.Errors, err = call[scripts.UpdateErrorsResult](ctx, h, "Get-WurUpdateErrors", map[string]any{"Days": ErrorDays}); err != nil {
		if err := note("Get-WurUpdateErrors", err); err != nil {
			return f, err
		}
	}
	if f.Reboot, err = call[scripts.PendingRebootResult](ctx, h, "Get-WurPendingReboot", nil); err != nil {
		if err := note("Get-WurPendingReboot", err); err != nil {
			return f, err
		}
	}
	// The probe reaches the update service (GetTotalHistoryCount) only
	// while wuauserv runs: COM would start it, and a probe changes nothing.
	if f.Agent, err = call[scripts.AgentProbeResult](ctx, h, "Test-WurUpdateAgent", map[string]any{"ReachService": running(f.Service("wuauserv"))}); err != nil {
		if err := note("Test-WurUpdateAgent", err); err != nil {
			return f, err
		}
	}
	// CheckHealth needs elevation; without it the finding says so. It
	// runs only when a finding depends on it (componentCheckReason).
	if host.IsAdmin && componentCheckReason(&f) == "" {
		f.ComponentSkipped = componentSkippedWhy
	} else if host.IsAdmin {
		c, err := call[scripts.ComponentHealthResult](ctx, h, "Get-WurComponentHealth", nil)
		if err != nil {
			if err := note("Get-WurComponentHealth", err); err != nil {
				return f, err
			}
		} else {
			f.Component = &c
		}
	}
	if len(f.ProbeErrors) == 0 {
		f.ProbeErrors = nil
	}
	return f, nil
}

// noteProbe records a probe that failed (a script failure, a protocol
// error, a timeout) in f.ProbeErrors and returns nil: the other probes
// still report. A dead session or a cancelled context is returned.
func noteProbe(ctx context.Context, f *Facts, name string, err error) error {
	var sf *ScriptFailure
	var pe *ps.ProtocolError
	// A probe that ran out of time is a failed probe too (the session
	// restarts on the next call): the other probes still report.
	if errors.As(err, &sf) || errors.As(err, &pe) || (errors.Is(err, ps.ErrTimeout) && ctx.Err() == nil) {
		noteProbeError(f, name, err.Error())
		return nil
	}
	return fmt.Errorf("probe %s: %w", name, err)
}

// noteProbeError records why a probe cannot be relied on (the first
// reason of a probe asked several times is kept, the others appended).
func noteProbeError(f *Facts, name, msg string) {
	if f.ProbeErrors == nil {
		f.ProbeErrors = map[string]string{}
	}
	if prev, ok := f.ProbeErrors[name]; ok {
		msg = prev + "; " + msg
	}
	f.ProbeErrors[name] = msg
}

// componentSkippedWhy is what the facts say when CheckHealth did not run.
const componentSkippedWhy = "not checked: no finding depends on it (Repair-WindowsImage -CheckHealth starts TrustedInstaller and DISM's host " +
	"and contends with servicing in progress); `wurepair repair components` checks it"

// componentCheckReason says which finding needs the component store's
// health, "" when none does. Repair-WindowsImage -CheckHealth is not free:
// it starts TrustedInstaller and dismhost.exe and waits on servicing that
// runs (an update installing), so detect and diagnose, which Intune and
// ConfigMgr run on a schedule, call it only when its answer changes a
// finding:
//   - the update agent's COM API fails: a reset is offered only when the
//     store is not NonRepairable;
//   - the update log holds errors that only a component store repair fixes
//     (the components plan, or an in-place upgrade when NonRepairable).
//
// The components plan itself always checks (repairComponents). -ScanHealth
// (which records its result in the component store) never runs here.
func componentCheckReason(f *Facts) string {
	if f.Agent.HResult != 0 {
		return "the update agent fails"
	}
	for _, ev := range f.Errors.Events {
		h, err := ParseHResult(ev.HResult)
		if err != nil {
			continue
		}
		if _, own := UpdateService(ev.ServiceId); !own || isDefenderKB(ev.KB) {
			continue // not Windows Update's own error: diagnosis filters it out
		}
		switch _, class, _ := Classify(h, PhaseOfEvent(ev.EventId)); class {
		case ClassComponentStoreRepair, ClassRepairSource:
			return "component store errors in the update log"
		}
	}
	return ""
}
