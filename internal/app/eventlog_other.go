//go:build !windows

package app

// openEventLog: there is no Event Log off Windows; the journal and the
// log file are the audit trail there.
func openEventLog() (EventSink, error) { return openNoEventLog() }
