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
	ErrNoReply             = errors.New("powershell read the request but did not reply")
)

// TimeoutError says which script (or startup) ran out of time and whether
// the host had to be killed for it (then the session restarts on next use).
// StderrTail is the host's last stderr, kept even after it was dropped.
// Margin is how long after Timeout Go waited for PowerShell's own answer
// before it killed the host.
type TimeoutError struct {
	Script     string
	Timeout    time.Duration
	Margin     time.Duration
	Killed     bool
	StderrTail string
	// Inactivity: Timeout was how long the script could go without a
	// progress frame (Request.Inactivity), not its whole run.
	Inactivity bool
}

func (e *TimeoutError) Error() string {
	how := "stopped inside PowerShell"
	if e.Killed {
		how = "PowerShell did not answer and was killed"
		if e.Margin > 0 {
			how = fmt.Sprintf("PowerShell could not stop it within %s more, probably blocked in a .NET or COM call, and was killed", e.Margin)
		}
	}
	msg := fmt.Sprintf("%s did not finish within %s (%s)", e.Script, e.Timeout, how)
	if e.Inactivity {
		msg = fmt.Sprintf("%s reported no progress for %s (%s)", e.Script, e.Timeout, how)
	}
	if e.StderrTail != "" {
		msg += "; stderr: " + e.StderrTail
	}
	return msg
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

// NoReplyError is a request the host read and answered with its END line
// but no reply: the line failed to parse, or something threw outside the
// bootstrap's handler. The host is alive and stays usable; what went wrong
// is on its stderr.
type NoReplyError struct {
	Script     string
	StderrTail string
}

func (e *NoReplyError) Error() string {
	msg := fmt.Sprintf("PowerShell read the %s request but did not reply to it", e.Script)
	if e.StderrTail != "" {
		return msg + "; stderr: " + e.StderrTail
	}
	return msg + " (nothing on stderr)"
}

func (e *NoReplyError) Is(target error) bool { return target == ErrNoReply }

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
