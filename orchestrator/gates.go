package orchestrator

import (
	"fmt"
	"slices"
	"strings"
)

// gateRebootPending marks a Refusal made because servicing waits for a
// reboot: --force overrides it, unlike the folder refusals.
const gateRebootPending = "reboot-pending"

// rebootGated are the plans refused while Windows servicing waits for a
// reboot: they stop servicing's services, rename the stores the pending
// operations complete into, or repair the component store under them (a
// RestoreHealth on top of pending operations fails with 0x80070BC9 or is
// undone at the boot). wups2 only registers a DLL and is not gated.
func rebootGated(plan string) bool {
	return plan == "components" || plan == "datastore" || plan == "reset"
}

// RebootPendingError: repair refused because Windows servicing waits for
// a reboot; nothing was changed. Forced says --force overrode it.
type RebootPendingError struct {
	Plans   []string
	Reasons []string
	Forced  bool
}

func (e *RebootPendingError) Error() string {
	if e.Forced {
		return fmt.Sprintf("--force: repairing (%s) although Windows servicing waits for a reboot (%s)",
			strings.Join(e.Plans, ", "), strings.Join(e.Reasons, ", "))
	}
	return fmt.Sprintf("refused, nothing changed: Windows servicing waits for a reboot (%s); repair %s would act under pending operations: "+
		"reboot, then run wurepair again (or pass --force to repair anyway)", strings.Join(e.Reasons, ", "), strings.Join(e.Plans, ", "))
}

// servicingReasons are the reasons that mean servicing waits for a
// reboot (the file-rename queues alone do not).
func servicingReasons(r []string) []string {
	var out []string
	for _, x := range r {
		if x != "PendingFileRename" && x != "PendingFileRename2" {
			out = append(out, x)
		}
	}
	return out
}

// refuseReboot is diagnosis's view of the gate: a justified plan that
// repair refuses until the reboot (detect does not count it as applying,
// so an Intune remediation does not loop before the reboot).
func refuseReboot(f *Facts, plan string) *Refusal {
	if !f.Reboot.RebootPending || !rebootGated(plan) {
		return nil
	}
	return &Refusal{Plan: plan, Gate: gateRebootPending,
		Reason: "Windows servicing waits for a reboot (" + strings.Join(servicingReasons(f.Reboot.Reasons), ", ") + ")",
		Advice: "reboot first (see reboot-pending), then run wurepair again; --force repairs anyway"}
}

// RebootGate is repair's reboot gate, before it resolves the plans: the
// requested plan, or for auto the justified ones, that are gated while
// servicing waits for a reboot are refused (nil when none is). With
// force the refusal is returned with Forced set (for the log) and the
// diagnosis comes back without its reboot refusals, so auto runs them.
func RebootGate(f *Facts, d Diagnosis, requested string, force bool) (Diagnosis, *RebootPendingError) {
	if !f.Reboot.RebootPending {
		return d, nil
	}
	plans := d.Plans
	if requested != "" && requested != "auto" {
		plans = []string{requested}
	}
	var gated []string
	for _, p := range plans {
		if rebootGated(p) {
			gated = append(gated, p)
		}
	}
	if len(gated) == 0 {
		return d, nil
	}
	e := &RebootPendingError{Plans: gated, Reasons: servicingReasons(f.Reboot.Reasons), Forced: force}
	if force {
		d.Refused = slices.DeleteFunc(slices.Clone(d.Refused), func(r Refusal) bool { return r.Gate == gateRebootPending })
		if len(d.Refused) == 0 {
			d.Refused = nil
		}
	}
	return d, e
}
