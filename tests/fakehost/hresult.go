package fakehost

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// HResult is a Windows HRESULT. Scenario and state files write it as
// "0x80070002"; a JSON number (signed, as .NET reports it, or unsigned) is
// accepted too.
type HResult uint32

// The HRESULTs the simulation produces.
const (
	hrFileNotFound       HResult = 0x80070002
	hrPathNotFound       HResult = 0x80070003
	hrAccessDenied       HResult = 0x80070005
	hrSharingViolation   HResult = 0x80070020
	hrInvalidArg         HResult = 0x80070057
	hrDiskFull           HResult = 0x80070070
	hrServiceNoResponse  HResult = 0x8007041D
	hrServiceDisabled    HResult = 0x80070422
	hrServiceMissing     HResult = 0x80070424
	hrElevationRequired  HResult = 0x800702E4
	hrClassNotRegistered HResult = 0x80040154
	hrSourceMissing      HResult = 0x800F081F
	hrSourceDisallowed   HResult = 0x800F0907 // CBS_E_GROUPPOLICY_DISALLOWED
	hrWSUSNoContent      HResult = 0x800F0954 // CBS_E_NO_OPTIONAL_CONTENT_FOUND_ON_UPDATE_SERVERS
	hrSystemException    HResult = 0x80131501 // COR_E_SYSTEM: PowerShell's own exceptions
	hrFail               HResult = 0x80004005 // E_FAIL: every Win32Exception's HResult
)

// String writes the HRESULT as event data normalises it: 0x%08X.
func (h HResult) String() string { return fmt.Sprintf("0x%08X", uint32(h)) }

// Int64 is the HRESULT as .NET's Exception.HResult (a signed Int32) widened.
func (h HResult) Int64() int64 { return int64(int32(h)) }

// MarshalJSON writes "0x%08X".
func (h HResult) MarshalJSON() ([]byte, error) { return json.Marshal(h.String()) }

// UnmarshalJSON reads "0x80070002" or a number.
func (h *HResult) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := parseHResult(s)
		if err != nil {
			return err
		}
		*h = v
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("HRESULT must be \"0x%%08X\" or a number, got %s", b)
	}
	v, err := parseHResult(n.String())
	if err != nil {
		return err
	}
	*h = v
	return nil
}

func parseHResult(s string) (HResult, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		v, err := strconv.ParseUint(s[2:], 16, 32)
		if err != nil {
			return 0, fmt.Errorf("HRESULT %q: %w", s, err)
		}
		return HResult(v), nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < -1<<31 || v > 1<<32-1 {
		return 0, fmt.Errorf("HRESULT %q is not a 32-bit value", s)
	}
	return HResult(uint32(v)), nil
}
