package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/wurepair/wurepair/ps"
)

// The one exit-code table. Documented in README.md and in `wurepair --help`.
const (
	ExitOK             = 0    // success; or healthy (detect, diagnose)
	ExitFailure        = 1    // failed, nothing left half-done (rolled back); detect: needs repair
	ExitUsage          = 2    // bad command line or input: nothing was changed
	ExitPartial        = 3    // failed and rollback failed too: the journal names what to check
	ExitHost           = 4    // PowerShell missing, dead at start, or not in FullLanguage: nothing was changed
	ExitUntrusted      = 5    // the state directory or a journal fails the trust checks (owner, permissions, link, MAC) or is from a newer wurepair: nothing was changed
	ExitUnfinished     = 6    // repair refused: an earlier run did not finish; roll it back first (or --force): nothing was changed
	ExitRebootPending  = 7    // repair refused: Windows servicing waits for a reboot; reboot first (or --force): nothing was changed
	ExitRecurring      = 8    // repair refused: the same problem came back after repeated repairs (loop guard); escalate (or --force): nothing was changed
	ExitNotElevated    = 9    // repair refused: not elevated: nothing was changed
	ExitUnknown        = 10   // cannot tell: probes a decision depends on failed: nothing was changed
	ExitBusy           = 1618 // another wurepair run holds the lock (ERROR_INSTALL_ALREADY_RUNNING)
	ExitRebootRequired = 3010 // success, a reboot is required (ERROR_SUCCESS_REBOOT_REQUIRED)
)

// exitCodesHelp is the table as shown by --help.
const exitCodesHelp = `EXIT CODES:
   0     success (detect/diagnose: healthy)
   1     failure, changes rolled back (detect/diagnose: repair needed)
   2     usage error, nothing changed
   3     partial: rollback failed, see the run's journal
   4     PowerShell unusable (missing, died at start, ConstrainedLanguage), nothing changed
   5     state directory or journal untrusted (owner, permissions, link, MAC) or newer, nothing changed
   6     repair refused: an earlier run is unfinished; roll it back first (or --force, or --recover)
   7     repair refused: Windows servicing waits for a reboot; reboot first (or --force)
   8     repair refused: the same problem came back after repeated repairs; escalate (or --force)
   9     not elevated, nothing changed
   10    cannot tell: probes a decision depends on failed, nothing changed
   1618  another wurepair run is in progress
   3010  success, reboot required`

// ExitError carries an exit code chosen by a command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

func exitWith(code int, err error) error { return &ExitError{Code: code, Err: err} }

// usageError marks bad input from the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// exitCode maps any error to the table.
func exitCode(err error) int {
	var ee *ExitError
	var ue *usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &ue):
		return ExitUsage
	case errors.Is(err, ps.ErrNotFound), errors.Is(err, ps.ErrConstrainedLanguage):
		return ExitHost
	case errors.Is(err, context.Canceled):
		return ExitFailure
	}
	var hd *ps.HostDiedError
	if errors.As(err, &hd) && hd.During == "startup" {
		return ExitHost
	}
	return ExitFailure
}
