package ps

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors; every error the session returns matches one of them with
// errors.Is, and carries details in a typed error reachable with errors.As.
var (
	ErrNotFound            = errors.New("powershell executable not found")
	ErrConstrainedLanguage = errors.New("powershell is not in FullLanguage mode")
	ErrTimeout             = errors.New("powershell request timed out")
	ErrHostDied            = errors.New("powershell process died")
	ErrProtocol            = errors.New("powershell protocol error")
	ErrClosed              = errors.New("powershell session closed")
)

// TimeoutError says which script (or startup) ran out of time and whether
// the host had to be killed for it (then the session restarts on next use).
type TimeoutError struct {
	Script  string
	Timeout time.Duration
	Killed  bool
}

func (e *TimeoutError) Error() string {
	how := "stopped inside PowerShell"
	if e.Killed {
		how = "PowerShell did not answer and was killed"
	}
	return fmt.Sprintf("%s did not finish within %s (%s)", e.Script, e.Timeout, how)
}

func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// HostDiedError reports a PowerShell process that went away.
type HostDiedError struct {
	During     string // "startup" or the script name
	ExitCode   int    // -1 when unknown (killed by a signal)
	StderrTail string
	Cause      error
}

func (e *HostDiedError) Error() string {
	msg := fmt.Sprintf("PowerShell exited (code %d) during %s", e.ExitCode, e.During)
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	if e.StderrTail != "" {
		msg += "; stderr: " + e.StderrTail
	}
	return msg
}

func (e *HostDiedError) Is(target error) bool { return target == ErrHostDied }
func (e *HostDiedError) Unwrap() error        { return e.Cause }

// ConstrainedLanguageError carries the language mode PowerShell reported.
type ConstrainedLanguageError struct{ Mode string }

func (e *ConstrainedLanguageError) Error() string {
	return fmt.Sprintf("PowerShell runs in %s mode (AppLocker or WDAC enforcement); wurepair needs FullLanguage: run it where script enforcement allows it, or sign and allow-list wurepair's scripts", e.Mode)
}

func (e *ConstrainedLanguageError) Is(target error) bool { return target == ErrConstrainedLanguage }

// ProtocolError is a reply that breaks the framing rules.
type ProtocolError struct{ Detail string }

func (e *ProtocolError) Error() string        { return "protocol error: " + e.Detail }
func (e *ProtocolError) Is(target error) bool { return target == ErrProtocol }

// ScriptError is returned by Result.Err when a script ran but reported
// errors. It is not a session failure: the session stays usable.
type ScriptError struct {
	Script  string
	Records []ErrorRecord
}

func (e *ScriptError) Error() string {
	if len(e.Records) == 0 {
		return e.Script + " failed"
	}
	r := e.Records[0]
	return fmt.Sprintf("%s failed: %s (%s, HRESULT 0x%08X)", e.Script, r.Message, r.FQID, uint32(r.HResult))
}
