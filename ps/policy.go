package ps

import (
	"errors"
	"fmt"
	"strings"
)

// ErrLockdownPolicy: Windows Defender Application Control or AppLocker
// enforces a system lockdown policy. PowerShell runs interactive text in
// ConstrainedLanguage then (the MODE probe refuses that), but a trusted
// -File bootstrap runs in FullLanguage and the runspaces it opens through
// the API would run wurepair's unsigned request text in FullLanguage too:
// the pattern WDAC exists to stop. wurepair refuses instead.
//
// The bootstrap asks PowerShell itself:
// [System.Management.Automation.Security.SystemPolicy]::GetSystemLockdownPolicy()
// (None, Audit, Enforce), which wraps WldpGetLockdownPolicy for the global
// host (https://learn.microsoft.com/windows/win32/api/wldp/nf-wldp-wldpgetlockdownpolicy;
// PowerShell's source: src/System.Management.Automation/security/wldpNativeMethods.cs).
// Audit only logs; it is reported and allowed.
var ErrLockdownPolicy = errors.New("an application control policy (WDAC or AppLocker) is enforced on this machine")

// ErrExecutionPolicy: a Group Policy execution policy (MachinePolicy or
// UserPolicy scope) of AllSigned or Restricted. It takes precedence over
// -ExecutionPolicy Bypass (about_Execution_Policies, "Execution policy
// precedence": https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_execution_policies),
// and wurepair's request text is not signed: running it anyway would go
// round what the administrator decided. The bootstrap reads both scopes
// with Get-ExecutionPolicy -Scope, PowerShell's own computation.
var ErrExecutionPolicy = errors.New("a Group Policy execution policy forbids unsigned scripts")

// CheckPolicy refuses a host whose facts say that the machine's policy
// forbids what wurepair does: an enforced WDAC/AppLocker lockdown, or a
// Group Policy execution policy of AllSigned or Restricted. It runs before
// any probe, so nothing has changed when it refuses. Empty facts (an older
// bootstrap, a host that could not tell) are not a refusal.
func CheckPolicy(f HostFacts) error {
	if strings.EqualFold(f.LockdownPolicy, "Enforce") {
		return fmt.Errorf("%w (PowerShell's system lockdown policy: Enforce): wurepair's scripts would run outside ConstrainedLanguage, so it refuses; "+
			"nothing was changed. An administrator can run the repair while the policy is in audit mode, or allow it with a "+
			"supplemental policy, or apply the steps by hand from scripts signed by a publisher the policy trusts (`wurepair scripts export DIR`)", ErrLockdownPolicy)
	}
	for _, p := range []struct{ scope, value, where string }{
		{"MachinePolicy", f.ExecutionPolicyMachine, "Computer Configuration"},
		{"UserPolicy", f.ExecutionPolicyUser, "User Configuration"},
	} {
		if strings.EqualFold(p.value, "AllSigned") || strings.EqualFold(p.value, "Restricted") {
			return fmt.Errorf("%w: %s is %s (Group Policy: %s > Administrative Templates > Windows Components > Windows PowerShell > "+
				"Turn on Script Execution); it overrides -ExecutionPolicy Bypass and wurepair's scripts are not signed, so it refuses; "+
				"nothing was changed. An administrator can set that policy to allow local scripts (RemoteSigned) for this machine, "+
				"or leave it not configured", ErrExecutionPolicy, p.scope, p.value, p.where)
		}
	}
	return nil
}
