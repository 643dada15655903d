package orchestrator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// RunsDir is where run directories live, under the state directory.
func RunsDir(stateDir string) string { return filepath.Join(stateDir, "runs") }

// RunSummary describes one run from its journal.
type RunSummary struct {
	ID       string    `json:"id"`
	Command  string    `json:"command"`
	Plans    []string  `json:"plans"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended,omitzero"`
	Outcome  string    `json:"outcome"` // success, rolled-back, partial, or "incomplete" (no run-end: crashed or killed)
	Changes  int       `json:"changes"`
	Undone   int       `json:"undone"`
	Problems string    `json:"problems,omitempty"` // journal damage, if any
}

// Incomplete reports a run that never recorded its end: it crashed or was
// killed, and `wurepair rollback` should be run for it.
func (s RunSummary) Incomplete() bool { return s.Outcome == "incomplete" }

// Summarize reads a journal's records into a summary.
func Summarize(id string, recs []Record, readErr error) RunSummary {
	s := RunSummary{ID: id, Outcome: "incomplete", Plans: []string{}}
	if readErr != nil {
		s.Problems = readErr.Error()
	}
	for _, r := range recs {
		switch r.Type {
		case RecRunStart:
			s.Started = r.Time
			if r.Run != nil {
				s.Command, s.Plans = r.Run.Command, append(s.Plans, r.Run.Plans...)
			}
		case RecIntent:
			s.Changes++
		case RecUndone:
			s.Undone++
		case RecRunEnd:
			s.Ended, s.Outcome = r.Time, r.Outcome
		}
	}
	return s
}

// ListRuns summarizes every run, oldest first.
func ListRuns(stateDir string) ([]RunSummary, error) {
	entries, err := os.ReadDir(RunsDir(stateDir))
	if errors.Is(err, os.ErrNotExist) {
		return []RunSummary{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []RunSummary{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		recs, rerr := ReadJournalFile(filepath.Join(RunsDir(stateDir), e.Name(), JournalName))
		if errors.Is(rerr, os.ErrNotExist) {
			continue
		}
		out = append(out, Summarize(e.Name(), recs, rerr))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// LoadRun reads one run's journal.
func LoadRun(stateDir, id string) ([]Record, error) {
	if id == "" || filepath.Base(id) != id || id == "." || id == ".." {
		return nil, fmt.Errorf("invalid run id %q", id)
	}
	return ReadJournalFile(filepath.Join(RunsDir(stateDir), id, JournalName))
}
