package fakehost

import (
	"fmt"
	"regexp"
	"strings"
)

// Folder permissions (issue 20 item 1). A folder's DACL is modelled as the
// SDDL Windows reports for it (RawSecurityDescriptor.GetSddlForm(Access)):
// "D:" and its flags ("P" protected: it inherits nothing; "AI" Windows'
// auto-inheritance bookkeeping), then the explicit ACEs, then the inherited
// ones (flag "ID").
//
// What Windows does, and so the fake: a folder created with a DACL gets
// that DACL's explicit ACEs and protection, plus, unless it is protected,
// the inheritable ACEs of its parent ("DACL for a New Object",
// learn.microsoft.com/windows/win32/secauthz/dacl-for-a-new-object). A
// folder recreated in the same parent as the original therefore gets the
// original's inherited ACEs back; one created without a DACL gets only
// those. Backup-WurFolder recreates with the original's DACL.

// sidTrustedInstaller is NT SERVICE\TrustedInstaller (no SDDL alias).
const sidTrustedInstaller = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"

// inheritedFromWindows is what a folder under %SystemRoot% (or System32)
// inherits from it: TrustedInstaller, SYSTEM and Administrators full
// control, Users and the app-package groups read and execute, CREATOR
// OWNER on what is created inside (icacls C:\Windows, split as Windows
// splits generic inheritable ACEs for a child container).
const inheritedFromWindows = "(A;ID;FA;;;" + sidTrustedInstaller + ")(A;CIIOID;GA;;;" + sidTrustedInstaller + ")" +
	"(A;ID;FA;;;SY)(A;OICIIOID;GA;;;SY)(A;ID;FA;;;BA)(A;OICIIOID;GA;;;BA)" +
	"(A;ID;0x1200a9;;;BU)(A;OICIIOID;GXGR;;;BU)(A;OICIIOID;GA;;;CO)" +
	"(A;ID;0x1200a9;;;AC)(A;OICIIOID;GXGR;;;AC)(A;ID;0x1200a9;;;S-1-15-2-2)(A;OICIIOID;GXGR;;;S-1-15-2-2)"

// networkServiceModify is an explicit ACE granting NT AUTHORITY\NetworkService
// (NS) modify (0x1301bf) on the folder and everything inside: CryptSvc
// writes catroot2's catalog database and DoSvc (Delivery Optimization) its
// cache inside SoftwareDistribution, both running as NetworkService.
const networkServiceModify = "(A;OICI;0x1301bf;;;NS)"

// defaultDACL is each renamed folder's DACL on the simulated Windows 10
// when the scenario sets none. Modelled from the services' accounts, not
// read from a Windows machine (docs/windows-facts.md says so): the two
// folders NetworkService services write carry an explicit ACE for it,
// DataStore and Download inherit from SoftwareDistribution, and the BITS
// queue folder is protected, SYSTEM and Administrators only.
var defaultDACL = map[string]string{
	softwareDistribution: "D:AI" + networkServiceModify + inheritedFromWindows,
	dataStoreDir:         "D:AI(A;OICIID;0x1301bf;;;NS)" + inheritedFromWindows,
	downloadDir:          "D:AI(A;OICIID;0x1301bf;;;NS)" + inheritedFromWindows,
	catroot2Dir:          "D:AI" + networkServiceModify + inheritedFromWindows,
	downloaderDir:        "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
}

var (
	daclRe = regexp.MustCompile(`^D:([A-Z_]*)((?:\([^()]*\))*)$`)
	aceRe  = regexp.MustCompile(`\(([^()]*)\)`)
)

// explicitDACL is the part of a DACL a folder carries itself, as the
// safety library's ConvertTo-WurExplicitDacl writes it: "D:", "P" when
// protected, the explicit ACEs in their order. "" (not modelled) is "".
func explicitDACL(sddl string) (string, error) {
	if sddl == "" {
		return "", nil
	}
	m := daclRe.FindStringSubmatch(sddl)
	if m == nil {
		return "", fmt.Errorf("%q is not a DACL in SDDL (D:flags(ace)...)", sddl)
	}
	if m[1] == "NO_ACCESS_CONTROL" {
		return "D:NO_ACCESS_CONTROL", nil
	}
	var b strings.Builder
	b.WriteString("D:")
	if strings.Contains(strings.NewReplacer("AI", "", "AR", "").Replace(m[1]), "P") {
		b.WriteString("P")
	}
	for _, a := range aceRe.FindAllStringSubmatch(m[2], -1) {
		fields := strings.Split(a[1], ";")
		if len(fields) < 6 || len(fields[1])%2 != 0 {
			return "", fmt.Errorf("%q is not an ACE", a[0])
		}
		inherited := false
		for i := 0; i < len(fields[1]); i += 2 {
			inherited = inherited || fields[1][i:i+2] == "ID"
		}
		if !inherited {
			b.WriteString(a[0])
		}
	}
	return b.String(), nil
}

// inheritedOnly is the DACL Windows gives a folder created in the same
// parent without one: the original's inherited ACEs (what the parent
// passes on), nothing explicit, not protected.
func inheritedOnly(sddl string) string {
	m := daclRe.FindStringSubmatch(sddl)
	if m == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("D:AI")
	for _, a := range aceRe.FindAllStringSubmatch(m[2], -1) {
		fields := strings.Split(a[1], ";")
		for i := 0; len(fields) > 1 && i+2 <= len(fields[1]); i += 2 {
			if fields[1][i:i+2] == "ID" {
				b.WriteString(a[0])
				break
			}
		}
	}
	return b.String()
}

// securityFault is the SecurityFails knob for exactly this folder.
func (s *MachineState) securityFault(key string) (HResult, bool) {
	for p, hr := range s.Faults.SecurityFails {
		if samePath(p, key) {
			return hr, true
		}
	}
	return 0, false
}
