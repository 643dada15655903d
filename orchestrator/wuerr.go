package orchestrator

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

//go:generate go run ./internal/wuerrgen -header /usr/share/mingw-w64/include/wuerror.h -data wuerr_codes.tsv -meanings wuerr_meanings.tsv -out wuerr_table.go

// Class is what addresses an error code: exactly one per code. The names
// are a contract (issue 15): JSON output, explain and the README use them.
type Class string

// The remedy classes. Only the first four lead to a plan wurepair runs.
const (
	ClassStoreReset              Class = "store-reset"              // plan datastore
	ClassComponentStoreRepair    Class = "component-store-repair"   // plan components
	ClassRepairSource            Class = "repair-source"            // plan components, only with --source
	ClassAgentRegistration       Class = "agent-registration"       // plan reset (re-registers the agent's DLLs)
	ClassNetwork                 Class = "network"                  // advice
	ClassUpdateServer            Class = "update-server"            // advice
	ClassTLSTrust                Class = "tls-trust"                // advice
	ClassPolicyWSUS              Class = "policy-wsus"              // advice
	ClassServiceDisabled         Class = "service-disabled"         // advice
	ClassRebootPending           Class = "reboot-pending"           // advice
	ClassDiskSpace               Class = "disk-space"               // advice
	ClassResources               Class = "resources"                // advice
	ClassPermissionsInterference Class = "permissions-interference" // advice
	ClassTransientRetry          Class = "transient-retry"          // advice
	ClassNotAnError              Class = "not-an-error"             // nothing to do
	ClassInvestigate             Class = "investigate"              // advice: no Microsoft guidance
)

// Classes lists every class in the order the README's table shows them.
func Classes() []Class {
	return []Class{ClassStoreReset, ClassComponentStoreRepair, ClassRepairSource, ClassAgentRegistration, ClassNetwork,
		ClassUpdateServer, ClassTLSTrust, ClassPolicyWSUS, ClassServiceDisabled, ClassRebootPending, ClassDiskSpace,
		ClassResources, ClassPermissionsInterference, ClassTransientRetry, ClassNotAnError, ClassInvestigate}
}

// CodeInfo is one code of the error reference.
type CodeInfo struct {
	HResult uint32
	Symbol  string // the SDK's spelling; "" where no public SDK header defines it
	Class   Class
	Meaning string // one line, ours
	Source  string // a ReferenceURL key; "" when the class is our decision
	Note    string // where Microsoft's pages disagree with the SDK, and the like
	SDK     bool   // defined in wuerror.h
}

// Plan is the plan that addresses the class ("" when none does):
// repair-source only when a repair source is given, because without one
// RestoreHealth fails exactly the way the error says.
func (c Class) Plan(haveSource bool) string {
	switch c {
	case ClassStoreReset:
		return "datastore"
	case ClassComponentStoreRepair:
		return "components"
	case ClassRepairSource:
		if haveSource {
			return "components"
		}
	case ClassAgentRegistration:
		return "reset"
	}
	return ""
}

// Advice is what an administrator should do about the class.
func (c Class) Advice() string {
	switch c {
	case ClassStoreReset:
		return "the update store (DataStore, Download) is damaged: wurepair repair datastore renames both aside and lets Windows Update rebuild them"
	case ClassComponentStoreRepair:
		return "the component store is damaged: wurepair repair components runs Repair-WindowsImage -RestoreHealth (DISM /RestoreHealth, KB947821); a DataStore reset would not help"
	case ClassRepairSource:
		return "RestoreHealth cannot get its repair files (no download, policy or WSUS without the content): give it a source: wurepair repair components --source <mounted image>\\Windows --limit-access, or allow Windows Update as repair source (policy \"Specify settings for optional component installation and component repair\")"
	case ClassAgentRegistration:
		return "the update agent's COM registration is broken: wurepair repair reset re-registers the agent's DLLs"
	case ClassNetwork:
		return "check network, DNS, proxy (netsh winhttp show proxy, for SYSTEM) and firewall to the update source; no reset helps"
	case ClassUpdateServer:
		return "the update server (WSUS, ConfigMgr or Microsoft's) answered with an error: check the server and its logs; no local reset helps"
	case ClassTLSTrust:
		return "TLS to the update source failed: check the clock, the root certificates, TLS 1.2 and any TLS inspection proxy; no reset helps"
	case ClassPolicyWSUS:
		return "a policy decides this (WSUS, Windows Update for Business, Delivery Optimization settings): check gpresult and HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate; no reset helps"
	case ClassServiceDisabled:
		return "a service Windows Update needs is disabled: if no policy disabled it on purpose, set it back to its default start type"
	case ClassRebootPending:
		return "Windows waits for a restart to finish servicing: reboot, then retry"
	case ClassDiskSpace:
		return "free space on the system drive (updates need several GB), then retry"
	case ClassResources:
		return "the machine ran out of memory, handles or time: reduce the load or add CPU/memory (virtual machines), then retry"
	case ClassPermissionsInterference:
		return "access was denied or a file was locked: check security software (exclusions for SoftwareDistribution and catroot2) and permissions; CBS.log names the file"
	case ClassTransientRetry:
		return "this passes by itself: retry later"
	case ClassNotAnError:
		return "not an error: nothing to do"
	}
	return "no Microsoft guidance says what fixes this: read WindowsUpdate.log (Get-WindowsUpdateLog) and CBS.log before repairing; a reset may not help"
}

// ReferenceURL is the Microsoft page a table source key stands for.
func ReferenceURL(key string) string {
	switch key {
	case "wuref":
		return "https://learn.microsoft.com/windows/deployment/update/windows-update-error-reference"
	case "wuanet":
		return "https://learn.microsoft.com/windows/win32/wua_sdk/wua-networking-error-codes-"
	case "commonerr":
		return "https://learn.microsoft.com/troubleshoot/windows-client/installing-updates-features-roles/common-windows-update-errors"
	case "kb947821":
		return "https://learn.microsoft.com/troubleshoot/windows-server/deployment/fix-windows-update-errors"
	case "dism0906":
		return "https://learn.microsoft.com/troubleshoot/windows-server/deployment/dism-fails-with-error-0x800f0906"
	case "repairsource":
		return "https://learn.microsoft.com/windows-hardware/manufacture/desktop/configure-a-windows-repair-source"
	case "do":
		return "https://learn.microsoft.com/windows/win32/delivery_optimization/do-return-values"
	case "winhttp":
		return "https://learn.microsoft.com/windows/win32/winhttp/error-messages"
	case "bits":
		return "https://learn.microsoft.com/windows/win32/bits/bits-return-values"
	case "winerr":
		return "https://learn.microsoft.com/windows/win32/debug/system-error-codes"
	case "com":
		return "https://learn.microsoft.com/windows/win32/com/com-error-codes"
	}
	return ""
}

// LookupCode finds a code in the reference.
func LookupCode(h uint32) (CodeInfo, bool) {
	i := sort.Search(len(codeTable), func(i int) bool { return codeTable[i].HResult >= h })
	if i < len(codeTable) && codeTable[i].HResult == h {
		return codeTable[i], true
	}
	return CodeInfo{}, false
}

// LookupSymbol finds a code by its symbol (case-insensitive).
func LookupSymbol(sym string) (CodeInfo, bool) {
	for _, c := range codeTable {
		if c.Symbol != "" && strings.EqualFold(c.Symbol, sym) {
			return c, true
		}
	}
	return CodeInfo{}, false
}

// CodeCount is the number of codes in the reference.
func CodeCount() int { return len(codeTable) }

// Phase is what Windows Update was doing when it failed, from the
// WindowsUpdateClient event id.
type Phase string

// The phases diagnosis tells apart.
const (
	PhaseScan      Phase = "scan"
	PhaseDownload  Phase = "download"
	PhaseInstall   Phase = "install"
	PhaseUninstall Phase = "uninstall"
	PhaseUnknown   Phase = ""
)

// PhaseOfEvent maps a Microsoft-Windows-WindowsUpdateClient/Operational
// event id to its phase: 20 installation failure, 24 uninstallation
// failure, 25 scan failure, 31 download failure.
func PhaseOfEvent(id int) Phase {
	switch id {
	case 20:
		return PhaseInstall
	case 24:
		return PhaseUninstall
	case 25:
		return PhaseScan
	case 31:
		return PhaseDownload
	}
	return PhaseUnknown
}

// ParsePhase reads a phase name ("" and "any" are PhaseUnknown).
func ParsePhase(s string) (Phase, error) {
	switch p := Phase(strings.ToLower(strings.TrimSpace(s))); p {
	case PhaseScan, PhaseDownload, PhaseInstall, PhaseUninstall, PhaseUnknown:
		return p, nil
	case "any":
		return PhaseUnknown, nil
	}
	return PhaseUnknown, fmt.Errorf("phase %q: want scan, download, install or uninstall", s)
}

// Classify decides a code's class in a phase. A file missing or data
// invalid while scanning or downloading is the update store's; while
// installing it is the component store's (KB947821 lists both codes
// among the component-store corruption errors; the classic DataStore
// reset addresses the scan and download case). Codes with the high bit
// clear are not errors; codes not in the reference are investigate.
func Classify(h uint32, phase Phase) (CodeInfo, Class, bool) {
	info, known := LookupCode(h)
	switch {
	case h&0x80000000 == 0:
		return info, ClassNotAnError, known
	case !known:
		return info, ClassInvestigate, false
	}
	switch h {
	case 0x80070002, 0x8007000D:
		switch phase {
		case PhaseInstall, PhaseUninstall:
			return info, ClassComponentStoreRepair, true
		case PhaseScan, PhaseDownload:
			return info, ClassStoreReset, true
		}
	}
	return info, info.Class, true
}

// ParseCode reads a code as explain takes it: hex ("0x8024402C"), decimal,
// possibly negative ("-2145107924"), or a symbol ("WU_E_PT_WINHTTP_NAME_NOT_RESOLVED").
// A symbol that is not in the reference is an error.
func ParseCode(s string) (uint32, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("empty code: give a hex HRESULT (0x8024402C), a decimal one (-2145107924) or a symbol")
	}
	if c := t[0]; c == '-' || c == '+' || (c >= '0' && c <= '9') {
		return ParseHResult(t)
	}
	if info, ok := LookupSymbol(t); ok {
		return info.HResult, nil
	}
	return 0, fmt.Errorf("%q is neither a number nor a symbol in the reference", t)
}

// ParseHResult reads "0x80070002" or decimal, possibly negative (an
// Int32 HRESULT as PowerShell prints it); anything outside 32 bits is an error.
func ParseHResult(s string) (uint32, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(strings.ToLower(s), "0x") {
		v, err := strconv.ParseUint(s[2:], 16, 32)
		if err != nil {
			return 0, fmt.Errorf("HRESULT %q: %w", s, err)
		}
		return uint32(v), nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("HRESULT %q: %w", s, err)
	}
	if v < -(1<<31) || v > 1<<32-1 {
		return 0, fmt.Errorf("HRESULT %q: out of the 32-bit range", s)
	}
	return uint32(v), nil
}

// FormatHResult writes 0x80070002.
func FormatHResult(h uint32) string { return fmt.Sprintf("0x%08X", h) }

// Update services (the serviceGuid of a WindowsUpdateClient event, the
// update agent's ServiceID). Only the OS update services count: a Store
// app or an Insider flight failing must not reset the OS update store.
// The IDs are the Windows Update Agent's well-known service IDs
// (Microsoft Update's is the one the WUA SDK's "Opt-In to Microsoft
// Update" sample registers: https://learn.microsoft.com/windows/win32/wua_sdk/opt-in-to-microsoft-update).
const (
	serviceWindowsUpdate   = "9482f4b4-e343-43b6-b170-9a65bc822c77"
	serviceMicrosoftUpdate = "7971f918-a847-4430-9279-4a52d1efe18d"
	serviceWSUS            = "3da21691-e39d-4da6-8a4b-b43877bcb1b7"
	serviceStoreDCat       = "855e8a7c-ecb4-4ca3-b045-1dfa50104289"
	serviceStore           = "117cab2d-82b1-4b5a-a08c-4d62dbee7782"
	serviceFlighting       = "8b24b027-1dee-babb-9a95-3517dfb9c552"
)

// UpdateService names the update service of an event and says whether
// it is one of the OS's own (Windows Update, Microsoft Update, WSUS). An
// event without a service id counts as the OS's own: the agent's scan
// failures (event 25) carry none.
func UpdateService(id string) (string, bool) {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(id), "{}")) {
	case "":
		return "Windows Update agent", true
	case serviceWindowsUpdate:
		return "Windows Update", true
	case serviceMicrosoftUpdate:
		return "Microsoft Update", true
	case serviceWSUS:
		return "WSUS", true
	case serviceStoreDCat, serviceStore:
		return "Microsoft Store", false
	case serviceFlighting:
		return "Windows Insider flighting", false
	}
	return "update service {" + strings.ToLower(strings.Trim(id, "{} ")) + "}", false
}

// defenderKBs are the KB numbers Microsoft Defender's definition and
// platform updates are published under (KB2267602 security intelligence,
// KB4052623 platform, KB2461484 Security Essentials, KB915597 the old
// Defender definitions). They come through Windows/Microsoft Update but a
// failing definition update says nothing about the OS update store.
func isDefenderKB(kb string) bool {
	switch strings.ToUpper(kb) {
	case "KB2267602", "KB4052623", "KB2461484", "KB915597":
		return true
	}
	return false
}

// Codes returns a copy of the whole reference, sorted by HRESULT.
func Codes() []CodeInfo { return append([]CodeInfo(nil), codeTable[:]...) }
