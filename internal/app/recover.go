package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

// recoverRuns is `repair --recover` (issue 18): a run killed mid-plan
// (agent timeout, reboot, IME restart) would otherwise block every later
// unattended cycle (detect exit 1, repair exit 6) until a person runs
// `wurepair rollback`. It rolls back each unfinished verified run, newest
// first, exactly as `wurepair rollback ID --yes` does, and records in that
// run's journal that repair --recover did it; the caller then diagnoses
// afresh. A rollback that is itself partial stops here with exit 3: that
// one does need a person. The caller holds the lock.
func (d *deps) recoverRuns(c *cli.Context, w *workspace, st *state, runs []orchestrator.RunSummary) ([]string, error) {
	var done []string
	un := orchestrator.UnfinishedRuns(runs)
	for i := len(un) - 1; i >= 0; i-- {
		id := un[i].ID
		dir := filepath.Join(orchestrator.RunsDir(st.sd.Path), id)
		j, recs, err := orchestrator.AppendJournal(st.sd, id, st.key, time.Now)
		if err != nil {
			return done, refuseJournal(id, err)
		}
		line := fmt.Sprintf("repair --recover: rolling back unfinished run %s (%s) before deciding afresh", id, un[i].Outcome)
		w.log.WithField("run", id).Warn(line)
		if w.format == "text" {
			fmt.Fprintln(d.env.Stdout, line)
		}
		if _, err := j.Append(orchestrator.Record{Type: orchestrator.RecNote, Run: d.runInfo(id, "rollback", nil, w),
			Detail: "rollback started by repair --recover"}); err != nil {
			return done, errors.Join(err, j.Close())
		}
		d.auditStart(w.log, st.sd.Path, id, "rollback", nil)
		run := &orchestrator.Run{ID: id, Dir: dir, State: st.sd, Host: w.host, Journal: j,
			Events: d.progress(w.format == "text", w.log.WithField("run", id), &Report{})}
		rerr := run.Rollback(c.Context, recs)
		outcome := orchestrator.OutcomeRolledBack
		if rerr != nil {
			outcome = orchestrator.OutcomePartial
		}
		_, jerr := j.Append(orchestrator.Record{Type: orchestrator.RecRunEnd, Outcome: outcome, Detail: "rollback by repair --recover"})
		cerr := j.Close()
		d.auditRollback(w.log, st.sd.Path, id, errors.Join(rerr, jerr))
		if err := errors.Join(rerr, jerr, cerr); err != nil {
			return done, exitWith(ExitPartial, fmt.Errorf("repair --recover: rollback of %s incomplete: %s; nothing else was changed; the journal %s names what to check; then run `%s`",
				id, oneLine(err.Error()), filepath.Join(dir, orchestrator.JournalName), rollbackCommand(id)))
		}
		done = append(done, id)
	}
	return done, nil
}

// recoveredNotes and unfinishedNotes are what the new run journals about
// the runs before it.
func recoveredNotes(ids []string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, "--recover: rolled back unfinished run "+id+" before diagnosing afresh")
	}
	return out
}

func unfinishedNotes(lines []string) []string {
	var out []string
	for _, l := range lines {
		out = append(out, "--force: repairing on top of an unfinished run: "+l)
	}
	return out
}
