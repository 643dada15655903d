package orchestrator

import (
	"fmt"
	"strconv"
	"strings"
)

// Remedy says what addresses an error code.
type Remedy string

// The remedies wurepair knows. Only the first three are plans it runs.
const (
	RemedyDataStore  Remedy = "datastore"  // plan: reset DataStore and Download
	RemedyComponents Remedy = "components" // plan: repair the component store
	RemedyReset      Remedy = "reset"      // plan: full component reset
	RemedyNetwork    Remedy = "network"    // advice only
	RemedyService    Remedy = "service"    // advice only: a disabled service
	RemedyReboot     Remedy = "reboot"     // advice only
	RemedyClock      Remedy = "clock"      // advice only
)

// ErrorCode is one Windows Update HRESULT and what fixes it.
type ErrorCode struct {
	HResult uint32
	Name    string
	Remedy  Remedy
	Advice  string
}

// errorCodes is the table (DESIGN.md §5): which codes the DataStore cleanup
// fixes, which it does not, and what to do instead. Data, not logic: a
// finding never recommends a repair that does not address it.
var errorCodes = []ErrorCode{
	{0x80070002, "ERROR_FILE_NOT_FOUND", RemedyDataStore, "the update store references files that are gone: reset DataStore and Download"},
	{0x80242006, "WU_E_UH_INVALIDMETADATA", RemedyDataStore, "update metadata is invalid: reset DataStore and Download"},
	{0x8007000D, "ERROR_INVALID_DATA", RemedyDataStore, "the update store holds invalid data: reset DataStore and Download"},
	{0x80246007, "WU_E_DM_NOTDOWNLOADED", RemedyDataStore, "a download is missing or damaged: reset DataStore and Download"},
	{0x80248007, "WU_E_DS_NODATA", RemedyDataStore, "the update datastore is missing data: reset DataStore and Download"},
	{0x800F081F, "CBS_E_SOURCE_MISSING", RemedyComponents, "component store files are missing: repair the component store (DISM /RestoreHealth, then sfc /scannow)"},
	{0x800F0906, "CBS_E_DOWNLOAD_FAILURE", RemedyComponents, "repair source unavailable: the repair files could not be downloaded: repair the component store with --source (a mounted image's Windows folder) and --limit-access"},
	{0x800F0907, "CBS_E_GROUPPOLICY_DISALLOWED", RemedyComponents, "repair source unavailable: policy forbids Windows Update as the repair source: repair the component store with --source (a mounted image's Windows folder) and --limit-access"},
	{0x800F0954, "CBS_E_NO_OPTIONAL_CONTENT_FOUND_ON_UPDATE_SERVERS", RemedyComponents, "repair source unavailable: the update server (WSUS) has no repair files: repair the component store with --source (a mounted image's Windows folder) and --limit-access"},
	{0x800F0831, "CBS_E_STORE_CORRUPTION", RemedyComponents, "the component store is corrupt: repair it (DISM /RestoreHealth)"},
	{0x80073701, "ERROR_SXS_ASSEMBLY_MISSING", RemedyComponents, "an assembly is missing from the component store: repair it (DISM /RestoreHealth)"},
	{0x80070570, "ERROR_FILE_CORRUPT", RemedyComponents, "a file is corrupt: repair the component store (DISM /RestoreHealth, then sfc /scannow)"},
	{0x80072EE2, "WININET_E_TIMEOUT", RemedyNetwork, "the update server did not answer: check network, proxy (netsh winhttp show proxy) and firewall; a reset will not help"},
	{0x80072EFD, "WININET_E_CANNOT_CONNECT", RemedyNetwork, "cannot connect to the update server: check network, proxy and firewall; a reset will not help"},
	{0x80072EFE, "WININET_E_CONNECTION_ABORTED", RemedyNetwork, "the connection to the update server was aborted: check proxy and TLS inspection; a reset will not help"},
	{0x8024401B, "WU_E_PT_HTTP_STATUS_PROXY_AUTH_REQ", RemedyNetwork, "the proxy requires authentication: configure the proxy for the SYSTEM account; a reset will not help"},
	{0x80070422, "ERROR_SERVICE_DISABLED", RemedyService, "an update service is disabled: restore its start type if that was not intended by policy (default: Manual)"},
	{0x80070BC9, "ERROR_FAIL_REBOOT_REQUIRED", RemedyReboot, "a previous operation needs a reboot: reboot, then retry"},
	{0x80072F8F, "WININET_E_DECODING_FAILED", RemedyClock, "TLS failed: check the system clock and TLS settings; a reset will not help"},
}

// LookupHResult finds a code in the table.
func LookupHResult(h uint32) (ErrorCode, bool) {
	for _, c := range errorCodes {
		if c.HResult == h {
			return c, true
		}
	}
	return ErrorCode{}, false
}

// ParseHResult reads "0x80070002" (or decimal, possibly negative).
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
	return uint32(v), nil
}

// FormatHResult writes 0x80070002.
func FormatHResult(h uint32) string { return fmt.Sprintf("0x%08X", h) }
