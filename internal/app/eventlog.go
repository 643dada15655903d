package app

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/wurepair/wurepair/orchestrator"
)

// EventSource is the Application log source wurepair writes as.
const EventSource = "wurepair"

// EventID is the Event Log id of one outcome. The ids are a contract with
// admins' queries and SIEM rules (docs/fleet-cli.md): never renumber one.
// They stay within 1..1000, the range the EventCreate.exe message file
// the source is registered with can display.
type EventID uint32

// One id per outcome a run can have.
const (
	EventRunStart      EventID = 100 // info: a repair or a rollback started
	EventSuccess       EventID = 101 // info: the run succeeded
	EventSuccessReboot EventID = 102 // warning: the run succeeded, a reboot is required to finish (exit 3010)
	EventRolledBack    EventID = 103 // warning: the run failed and every change was rolled back (exit 1)
	EventPartial       EventID = 104 // error: the run failed and its rollback too; the journal names what to check (exit 3)
	EventRefused       EventID = 105 // warning: the plan was refused before anything changed (a junction, ...)
	// EventPruned: `backups prune` deleted backups (the message lists
	// each); error level when a deletion failed. 110: clear of ids other
	// outcomes may take next to 105.
	EventPruned EventID = 110
)

// eventTable documents every id: `wurepair --help` prints it and
// docs/fleet-cli.md copies it.
var eventTable = []struct {
	ID      EventID
	Level   EventLevel
	Meaning string
}{
	{EventRunStart, EventInfo, "run started (repair, rollback)"},
	{EventSuccess, EventInfo, "success (exit 0)"},
	{EventSuccessReboot, EventWarning, "success, reboot required (exit 3010)"},
	{EventRolledBack, EventWarning, "failed, every change rolled back (exit 1)"},
	{EventPartial, EventError, "partial: rollback failed, see the journal (exit 3)"},
	{EventRefused, EventWarning, "refused before any change (exit 1)"},
	{EventPruned, EventInfo, "backups prune deleted backups (each listed; error level if one failed)"},
}

// EventLevel is the Event Log entry type.
type EventLevel int

// Entry types, as the Event Viewer shows them.
const (
	EventInfo EventLevel = iota
	EventWarning
	EventError
)

func (l EventLevel) String() string {
	switch l {
	case EventWarning:
		return "warning"
	case EventError:
		return "error"
	}
	return "info"
}

// Event is one Event Log entry.
type Event struct {
	ID      EventID
	Level   EventLevel
	Message string
}

// EventSink is where the audit events go: the Windows Application log
// (eventlog_windows.go), nowhere elsewhere (eventlog_other.go); tests
// record them.
type EventSink interface {
	Write(Event) error
	Close() error
}

// EventLogOpener opens the sink. A non-nil error is a warning to log (the
// source could not be registered, say); the sink, never nil, is used
// either way.
type EventLogOpener func() (EventSink, error)

type noEventLog struct{}

func (noEventLog) Write(Event) error { return nil }
func (noEventLog) Close() error      { return nil }

// openNoEventLog is the opener of platforms without an Event Log.
func openNoEventLog() (EventSink, error) { return noEventLog{}, nil }

// runEvent describes one run for its events.
type runEvent struct {
	id, command, journal string
	plans                []string
}

// eventText is the message of every event: a summary line, then
// "Key: value" lines a query or a SIEM can parse. It always names the run
// id and the journal path (or says there is none).
func eventText(summary string, r runEvent, exitCode int, withExit bool) string {
	run, journal := r.id, r.journal
	if run == "" {
		run, journal = "none (nothing was changed, so no run was created)", "none"
	}
	lines := []string{printable(oneLine(summary)), "", "Run: " + run, "Journal: " + journal}
	cmd := strings.TrimSpace(r.command + " " + strings.Join(r.plans, "+"))
	if cmd != "" {
		lines = append(lines, "Command: wurepair "+cmd)
	}
	if withExit {
		lines = append(lines, fmt.Sprintf("Exit code: %d", exitCode))
	}
	return strings.Join(lines, "\r\n")
}

// outcomeEvent maps the end of a command to its event; ok is false for
// outcomes that changed nothing and are no audit matter (dry run,
// nothing to do, cancelled at the prompt).
func outcomeEvent(outcome, message string, code int, r runEvent) (Event, bool) {
	var id EventID
	var level EventLevel
	switch {
	case outcome == "refused":
		id, level = EventRefused, EventWarning
	case code == ExitPartial || outcome == orchestrator.OutcomePartial:
		id, level = EventPartial, EventError
	case code == ExitRebootRequired:
		id, level = EventSuccessReboot, EventWarning
	case r.id != "" && code == ExitOK:
		id, level = EventSuccess, EventInfo
	case r.id != "" && code == ExitFailure:
		id, level = EventRolledBack, EventWarning
	default:
		return Event{}, false
	}
	return Event{ID: id, Level: level, Message: eventText(message, r, code, true)}, true
}

// journalOf is the journal path of run id under stateDir.
func journalOf(stateDir, id string) string {
	if id == "" {
		return ""
	}
	return filepath.Join(orchestrator.RunsDir(stateDir), id, orchestrator.JournalName)
}

// writeEvent writes ev to the Event Log. The Event Log is an extra
// audit copy: failing to write it is a warning, never a failed run.
func (d *deps) writeEvent(log logrus.FieldLogger, ev Event) {
	sink, err := d.env.EventLog()
	if err != nil && !d.eventLogWarned {
		d.eventLogWarned = true
		log.Warnf("Event Log: %v", err)
	}
	if sink == nil {
		return
	}
	defer sink.Close()
	if err := sink.Write(ev); err != nil {
		log.Warnf("Event Log: event %d not written: %v", ev.ID, err)
	}
}

// auditStart records that a run which changes the machine started.
func (d *deps) auditStart(log logrus.FieldLogger, stateDir, id, command string, plans []string) {
	r := runEvent{id: id, command: command, plans: plans, journal: journalOf(stateDir, id)}
	d.writeEvent(log, Event{ID: EventRunStart, Level: EventInfo, Message: eventText(fmt.Sprintf("wurepair %s started (run %s)", command, id), r, 0, false)})
}

// auditRollback records how `wurepair rollback` of run id ended:
// success, or partial when rerr is not nil.
func (d *deps) auditRollback(log logrus.FieldLogger, stateDir, id string, rerr error) {
	r := runEvent{id: id, command: "rollback", journal: journalOf(stateDir, id)}
	msg, code := fmt.Sprintf("run %s rolled back", id), ExitOK
	if rerr != nil {
		msg, code = fmt.Sprintf("rollback of run %s incomplete: %v", id, rerr), ExitPartial
	}
	if ev, ok := outcomeEvent("", msg, code, r); ok {
		d.writeEvent(log, ev)
	}
}

// auditPrune records what `backups prune` deleted: the only deletion
// wurepair does gets its own event, listing every path (the journal of
// run id has the same, with each backup's size and run).
func (d *deps) auditPrune(log logrus.FieldLogger, stateDir, id string, deleted []string, err error) {
	r := runEvent{id: id, command: "backups prune", journal: journalOf(stateDir, id)}
	summary, level, code := fmt.Sprintf("wurepair backups prune deleted %d backup(s)", len(deleted)), EventInfo, ExitOK
	if err != nil {
		summary += fmt.Sprintf("; some could not be deleted: %v", err)
		level, code = EventError, ExitPartial
	}
	msg := eventText(summary, r, code, true)
	for _, p := range deleted {
		msg += "\r\nDeleted: " + printable(p)
	}
	d.writeEvent(log, Event{ID: EventPruned, Level: level, Message: msg})
}

// auditOutcome records how a command that may change the machine ended.
func (d *deps) auditOutcome(log logrus.FieldLogger, stateDir string, rep *Report) {
	r := runEvent{id: rep.RunID, command: rep.Command, plans: rep.Plans, journal: journalOf(stateDir, rep.RunID)}
	if ev, ok := outcomeEvent(rep.Outcome, rep.Message, rep.ExitCode, r); ok {
		d.writeEvent(log, ev)
	}
}

// eventsHelp is the id table as `wurepair --help` shows it.
func eventsHelp() string {
	var b strings.Builder
	for _, e := range eventTable {
		fmt.Fprintf(&b, "\n      %d  %-7s  %s", e.ID, e.Level, e.Meaning)
	}
	return b.String()
}
