package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// recordingEventLog is the Event Log seam's fake: it keeps what was written.
type recordingEventLog struct {
	events         []Event
	opened, closed int
	openWarn       error // returned by open, as an unregistered source would
	writeErr       error
}

func (r *recordingEventLog) open() (EventSink, error) { r.opened++; return r, r.openWarn }
func (r *recordingEventLog) Write(e Event) error {
	if r.writeErr != nil {
		return r.writeErr
	}
	r.events = append(r.events, e)
	return nil
}
func (r *recordingEventLog) Close() error { r.closed++; return nil }

func (r *recordingEventLog) ids() []EventID {
	var ids []EventID
	for _, e := range r.events {
		ids = append(ids, e.ID)
	}
	return ids
}

// Each outcome of a repair writes its documented event; every message
// names the run id and a journal that exists (or says there is no run).
func TestEventLogOutcomes(t *testing.T) {
	reboot := func(machine map[string]any) {
		machine["componentStore"].(map[string]any)["restartAfterRepair"] = true
	}
	cases := []struct {
		name, scenario string
		args           []string
		edit           []func(map[string]any)
		code           int
		want           []EventID
		levels         []EventLevel
	}{
		{"success", "kb943144", []string{"repair", "--yes"}, nil, ExitOK, []EventID{EventRunStart, EventSuccess}, []EventLevel{EventInfo, EventInfo}},
		{"success-reboot", "components", []string{"repair", "components", "--yes"}, []func(map[string]any){reboot}, ExitRebootRequired,
			[]EventID{EventRunStart, EventSuccessReboot}, []EventLevel{EventInfo, EventWarning}},
		{"rolled-back", "disk-full", []string{"repair", "datastore", "--yes"}, nil, ExitFailure, []EventID{EventRunStart, EventRolledBack}, []EventLevel{EventInfo, EventWarning}},
		{"partial", "stuck-stoppending", []string{"repair", "datastore", "--yes", "--service-timeout", "1"}, nil, ExitPartial,
			[]EventID{EventRunStart, EventPartial}, []EventLevel{EventInfo, EventError}},
		{"refused", "junction", []string{"repair", "datastore", "--yes"}, nil, ExitFailure, []EventID{EventRefused}, []EventLevel{EventWarning}},
		{"dry run: no event", "kb943144", []string{"repair", "--dry-run"}, nil, ExitOK, nil, nil},
		{"nothing to do: no event", "healthy", []string{"repair", "--yes"}, nil, ExitOK, nil, nil},
		{"diagnose: no event", "kb943144", []string{"diagnose"}, nil, ExitFailure, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			flags, stateDir := simulated(t, tc.scenario, tc.edit...)
			rec := &recordingEventLog{}
			out, errOut, code := runEnv(t, Env{EventLog: rec.open}, append(tc.args, flags...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, out, errOut)
			}
			if fmt.Sprint(rec.ids()) != fmt.Sprint(tc.want) {
				t.Fatalf("events %v, want %v", rec.ids(), tc.want)
			}
			if rec.opened != rec.closed {
				t.Fatalf("opened %d, closed %d", rec.opened, rec.closed)
			}
			runID := regexp.MustCompile(`(?m)^run (\S+) \(journal`).FindStringSubmatch(out)
			for i, e := range rec.events {
				if e.Level != tc.levels[i] {
					t.Errorf("event %d: level %v, want %v", e.ID, e.Level, tc.levels[i])
				}
				if e.ID == EventRefused {
					if !strings.Contains(e.Message, "Run: none") || !strings.Contains(e.Message, "junction") {
						t.Errorf("refused event: %q", e.Message)
					}
					continue
				}
				journal := filepath.Join(stateDir, "runs", runID[1], "journal.jsonl")
				for _, want := range []string{"Run: " + runID[1], "Journal: " + journal} {
					if !strings.Contains(e.Message, want) {
						t.Errorf("event %d lacks %q:\n%s", e.ID, want, e.Message)
					}
				}
				if _, err := os.Stat(journal); err != nil {
					t.Errorf("the journal the event names: %v", err)
				}
				if i > 0 && !strings.Contains(e.Message, fmt.Sprintf("Exit code: %d", tc.code)) {
					t.Errorf("event %d lacks the exit code:\n%s", e.ID, e.Message)
				}
			}
		})
	}
}

// `wurepair rollback` writes its start and its outcome too, naming the
// run it rolls back.
func TestEventLogRollback(t *testing.T) {
	flags, stateDir := simulated(t, "kb943144")
	out, errOut, code := runApp(t, append([]string{"repair", "--yes"}, flags...)...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	id := regexp.MustCompile(`(?m)^run (\S+) \(journal`).FindStringSubmatch(out)[1]
	rec := &recordingEventLog{}
	out, errOut, code = runEnv(t, Env{EventLog: rec.open}, append([]string{"rollback", id, "--yes"}, flags...)...)
	if code != ExitOK {
		t.Fatalf("rollback: exit %d\n%s\n%s", code, out, errOut)
	}
	if fmt.Sprint(rec.ids()) != fmt.Sprint([]EventID{EventRunStart, EventSuccess}) {
		t.Fatalf("events %v", rec.ids())
	}
	for _, e := range rec.events {
		for _, want := range []string{"Run: " + id, "Journal: " + filepath.Join(stateDir, "runs", id, "journal.jsonl"), "Command: wurepair rollback"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("event %d lacks %q:\n%s", e.ID, want, e.Message)
			}
		}
	}
}

// The Event Log is an extra copy of the audit trail: a source that cannot
// be registered is one clear warning, a failed write another, and the run
// goes on with its own exit code.
func TestEventLogProblemsAreWarnings(t *testing.T) {
	flags, _ := simulated(t, "kb943144")
	rec := &recordingEventLog{openWarn: errors.New(`source "wurepair" is not registered and registering it needs elevation`), writeErr: errors.New("the event log is full")}
	out, errOut, code := runEnv(t, Env{EventLog: rec.open}, append([]string{"repair", "--yes"}, flags...)...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if n := strings.Count(errOut, "needs elevation"); n != 1 {
		t.Fatalf("the registration warning appears %d times, want once:\n%s", n, errOut)
	}
	if n := strings.Count(errOut, "the event log is full"); n != 2 {
		t.Fatalf("want both failed writes warned:\n%s", errOut)
	}
}

// The outcome mapping, exit code by exit code.
func TestOutcomeEvent(t *testing.T) {
	run := runEvent{id: "R1", command: "repair", plans: []string{"datastore"}, journal: `C:\ProgramData\wurepair\runs\R1\journal.jsonl`}
	cases := []struct {
		outcome string
		code    int
		r       runEvent
		want    EventID
		ok      bool
	}{
		{"success", ExitOK, run, EventSuccess, true},
		{"success-reboot-required", ExitRebootRequired, run, EventSuccessReboot, true},
		{"rolled-back", ExitFailure, run, EventRolledBack, true},
		{"partial", ExitPartial, run, EventPartial, true},
		{"refused", ExitFailure, runEvent{command: "repair"}, EventRefused, true},
		{"dry-run", ExitOK, runEvent{command: "repair"}, 0, false},
		{"nothing-to-do", ExitOK, runEvent{command: "repair"}, 0, false},
		{"cancelled", ExitFailure, runEvent{command: "repair"}, 0, false},
	}
	for _, tc := range cases {
		ev, ok := outcomeEvent(tc.outcome, "FAILED: a\nb", tc.code, tc.r)
		if ok != tc.ok || ev.ID != tc.want {
			t.Errorf("%s: %d %v, want %d %v", tc.outcome, ev.ID, ok, tc.want, tc.ok)
		}
		if ok && !strings.HasPrefix(ev.Message, "FAILED: a | b\r\n") {
			t.Errorf("%s: summary not one line: %q", tc.outcome, ev.Message)
		}
	}
	// Every id is documented, in the range EventCreate.exe can show, once.
	seen := map[EventID]bool{}
	for _, e := range eventTable {
		if e.ID < 1 || e.ID > 1000 || seen[e.ID] {
			t.Errorf("id %d out of 1..1000 or twice", e.ID)
		}
		seen[e.ID] = true
	}
	for _, id := range []EventID{EventRunStart, EventSuccess, EventSuccessReboot, EventRolledBack, EventPartial, EventRefused} {
		if !seen[id] {
			t.Errorf("id %d is not in eventTable", id)
		}
	}
}
