package orchestrator

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// RunsDir is where run directories live, under the state directory.
func RunsDir(stateDir string) string { return filepath.Join(stateDir, "runs") }

// Outcomes of a run whose journal cannot be acted on.
const (
	OutcomeIncomplete = "incomplete"    // no run-end: crashed or killed
	OutcomeRejected   = "rejected"      // fails verification: forged, edited, corrupt, or not a run
	OutcomeNewer      = "newer-version" // written by a newer wurepair
)

// maxRuns bounds how many run directories are read.
const maxRuns = 10000

// RunSummary describes one run from its journal.
type RunSummary struct {
	ID       string    `json:"id"`
	Command  string    `json:"command"`
	Plans    []string  `json:"plans"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended,omitzero"`
	Outcome  string    `json:"outcome"` // success, rolled-back, partial, incomplete; rejected or newer-version: not verified
	Changes  int       `json:"changes"`
	Undone   int       `json:"undone"`
	Verified bool      `json:"verified"` // its journal verified: wurepair wrote it with this machine's key
	// Sealed: the journal ends with a seal (format v3): the run finished
	// with Outcome. A v3 journal that does not is incomplete.
	Sealed bool `json:"sealed"`
	// Legacy: a keyed journal of the format before seals (v2). Its
	// outcome is its last run-end, as that version read it; a cut one
	// cannot be told from a crash, so `rollback` never picks one by itself.
	Legacy   bool     `json:"legacy,omitempty"`
	Problems string   `json:"problems,omitempty"` // journal damage, if any
	Findings []string `json:"findings,omitempty"` // ids of the findings that led to the run (its findings record)
}

// Incomplete reports a run that never recorded its end (format v3: its
// journal does not end with a seal): it crashed or was
// killed, and `wurepair rollback` should be run for it.
func (s RunSummary) Incomplete() bool { return s.Outcome == OutcomeIncomplete }

// Unfinished reports a verified repair that left the machine half-changed:
// it never ended (crash, kill) or its rollback was partial. It needs
// `wurepair rollback ID`.
func (s RunSummary) Unfinished() bool {
	return s.Verified && s.Command == "repair" && (s.Incomplete() || s.Outcome == OutcomePartial)
}

// Summarize reads a journal's records into a summary. Records read with an
// error that makes them unusable (see Usable) are not summarized: the run
// is reported as rejected (or newer-version) with the reason.
func Summarize(id string, recs []Record, readErr error) RunSummary {
	s := RunSummary{ID: id, Outcome: OutcomeIncomplete, Plans: []string{}, Verified: Usable(readErr)}
	if readErr != nil {
		s.Problems = readErr.Error()
	}
	if !s.Verified {
		s.Outcome = OutcomeRejected
		if errors.Is(readErr, ErrJournalNewer) {
			s.Outcome = OutcomeNewer
		}
		return s
	}
	for i, r := range recs {
		switch r.Type {
		case RecRunStart:
			s.Started, s.Legacy = r.Time, r.V < JournalVersion
			if r.Run != nil {
				s.Command, s.Plans = r.Run.Command, append(s.Plans, r.Run.Plans...)
			}
		case RecIntent:
			s.Changes++
		case RecUndone:
			s.Undone++
		case RecRunEnd:
			if s.Legacy {
				s.Ended, s.Outcome = r.Time, r.Outcome
			}
		case RecSeal:
			// Only the last record can finish a run: a seal followed by
			// more records (a rollback that started) is history.
			if i == len(recs)-1 {
				s.Ended, s.Outcome, s.Sealed = r.Time, r.Outcome, true
			}
		case RecFindings:
			s.Findings = findingIDs(r.Findings)
		}
	}
	return s
}

// ListRuns summarizes every run, oldest first. A run whose journal fails
// verification is listed (Verified false, the reason in Problems) so that
// it is reported, and nothing acts on it. sd nil: no state directory yet.
func ListRuns(sd *StateDir, key []byte) ([]RunSummary, error) {
	out := []RunSummary{}
	if sd == nil {
		return out, nil
	}
	dir := RunsDir(sd.Path)
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if err := checkDir(dir, fi); err != nil {
		return nil, err
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	names, err := f.Readdirnames(maxRuns)
	f.Close()
	if err != nil && len(names) == 0 && !errors.Is(err, io.EOF) {
		return nil, err
	}
	for _, name := range names {
		if !ValidRunID(name) {
			out = append(out, RunSummary{ID: name, Outcome: OutcomeRejected, Plans: []string{}, Problems: "not a run id: ignored"})
			continue
		}
		recs, rerr := ReadRun(sd, name, key)
		if errors.Is(rerr, fs.ErrNotExist) {
			continue // a run directory whose journal was never created
		}
		out = append(out, Summarize(name, recs, rerr))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// LoadRun reads one run's journal, verified.
func LoadRun(sd *StateDir, id string, key []byte) ([]Record, error) {
	return ReadRun(sd, id, key)
}

// UnfinishedRuns are the verified repairs that need `wurepair rollback`.
func UnfinishedRuns(runs []RunSummary) []RunSummary {
	var out []RunSummary
	for _, r := range runs {
		if r.Unfinished() {
			out = append(out, r)
		}
	}
	return out
}

// RejectedRuns are the runs whose journals were not acted on.
func RejectedRuns(runs []RunSummary) []RunSummary {
	var out []RunSummary
	for _, r := range runs {
		if !r.Verified {
			out = append(out, r)
		}
	}
	return out
}
