package app

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc/eventlog"
)

// registerEventSource registers the Application log source (the install
// scripts run it elevated, so the first events already have their template).
func registerEventSource() error { return ensureEventSource() }

// removeEventSource removes the source (the uninstall scripts); a source
// that is not registered is not an error.
func removeEventSource() error {
	err := eventlog.Remove(EventSource)
	if err == nil || errors.Is(err, registry.ErrNotExist) || errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		return nil
	}
	return fmt.Errorf("cannot remove event source %q: %w", EventSource, err)
}
