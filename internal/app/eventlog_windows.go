//go:build windows

package app

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.org/x/sys/windows/svc/eventlog"
)

// sourceKey is where the Application log's sources are registered.
const sourceKey = `SYSTEM\CurrentControlSet\Services\EventLog\Application\` + EventSource

// openEventLog opens the Application log as source "wurepair",
// registering the source first when it is not (with EventCreate.exe as
// its message file, so the Event Viewer shows our text). Registering
// writes HKLM and needs elevation: a standard user gets a warning and
// events that the Event Viewer shows with a "description cannot be
// found" preamble, the text still in them.
func openEventLog() (EventSink, error) {
	warn := ensureEventSource()
	l, err := eventlog.Open(EventSource)
	if err != nil {
		return noEventLog{}, errors.Join(warn, fmt.Errorf("cannot open the Application log as source %q: %w", EventSource, err))
	}
	return &windowsEventLog{l: l}, warn
}

func ensureEventSource() error {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, sourceKey, registry.QUERY_VALUE)
	if err == nil {
		k.Close()
		return nil
	}
	err = eventlog.InstallAsEventCreate(EventSource, eventlog.Error|eventlog.Warning|eventlog.Info)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, windows.ERROR_ACCESS_DENIED):
		return fmt.Errorf("source %q is not registered and registering it needs elevation: run wurepair once as administrator or SYSTEM; "+
			"until then its events show without their message template", EventSource)
	}
	return fmt.Errorf("cannot register source %q: %w", EventSource, err)
}

type windowsEventLog struct{ l *eventlog.Log }

func (w *windowsEventLog) Write(e Event) error {
	switch e.Level {
	case EventError:
		return w.l.Error(uint32(e.ID), e.Message)
	case EventWarning:
		return w.l.Warning(uint32(e.ID), e.Message)
	}
	return w.l.Info(uint32(e.ID), e.Message)
}

func (w *windowsEventLog) Close() error { return w.l.Close() }
