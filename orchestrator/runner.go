package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Step phases for Event.
const (
	PhaseStart   = "start"
	PhaseDone    = "done"
	PhaseFailed  = "failed"
	PhaseSkipped = "skipped"
)

// Event reports progress: one at the start and one at the end of each step,
// and one per undone change during a rollback.
type Event struct {
	Index, Total int
	Step         string
	Phase        string
	Duration     time.Duration
	Detail       string
	Err          error
}

func (r *Run) emit(e Event) {
	if r.Events != nil {
		r.Events(e)
	}
}

// Outcomes recorded in run-end and reported.
const (
	OutcomeSuccess    = "success"
	OutcomeRolledBack = "rolled-back"
	OutcomePartial    = "partial"
)

// PlanError is a run that failed. RollbackErr nil means everything it had
// changed was undone.
type PlanError struct {
	Step        string
	Err         error
	RollbackErr error
}

func (e *PlanError) Error() string {
	msg := fmt.Sprintf("step %q failed: %v", e.Step, e.Err)
	if e.RollbackErr != nil {
		return msg + "; rollback failed too: " + e.RollbackErr.Error()
	}
	return msg + "; every change was rolled back"
}

func (e *PlanError) Unwrap() error { return e.Err }

// Execute runs steps in order. On the first failure it rolls back every
// journaled change, newest first, and returns a *PlanError. Rollback runs
// even when ctx was cancelled (Ctrl-C), under its own deadline.
func (r *Run) Execute(ctx context.Context, steps []Step) (string, error) {
	for i, st := range steps {
		ev := Event{Index: i + 1, Total: len(steps), Step: st.Name()}
		r.emit(withPhase(ev, PhaseStart))
		start := time.Now()
		err := st.Run(ctx, r)
		ev.Duration = time.Since(start)
		if err == nil {
			r.emit(withPhase(ev, PhaseDone))
			continue
		}
		ev.Err = err
		r.emit(withPhase(ev, PhaseFailed))
		rbCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Minute)
		defer cancel()
		// The records in memory: the file may end with a write a full
		// disk cut short (cut back already), never re-read here.
		rerr := r.Rollback(rbCtx, r.Journal.Records())
		outcome := OutcomeRolledBack
		if rerr != nil {
			outcome = OutcomePartial
		}
		_, jerr := r.Journal.Append(Record{Type: RecRunEnd, Outcome: outcome, Error: err.Error()})
		return outcome, &PlanError{Step: st.Name(), Err: err, RollbackErr: errors.Join(rerr, jerr)}
	}
	if _, err := r.Journal.Append(Record{Type: RecRunEnd, Outcome: OutcomeSuccess}); err != nil {
		return OutcomePartial, err
	}
	return OutcomeSuccess, nil
}

func withPhase(e Event, p string) Event {
	e.Phase = p
	return e
}
