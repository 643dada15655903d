package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

func (d *deps) cmdRollback() *cli.Command {
	return &cli.Command{
		Name:      "rollback",
		Usage:     "undo a run from its journal (after a crash, a kill, or a partial rollback)",
		ArgsUsage: "[RUN-ID]",
		Description: "Without RUN-ID: the newest run that did not finish (crashed, killed) or whose rollback was\n" +
			"partial. Every change the journal records as intended and not undone is undone, newest\n" +
			"first, from the journal alone. Running it twice is harmless.",
		Flags: append(append([]cli.Flag{stateDirFlag(), &cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"}},
			sessionFlags()...), logFlags()...),
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usagef("rollback takes at most one RUN-ID")
			}
			stateDir, err := d.stateDir(c)
			if err != nil {
				return err
			}
			release, err := lock(stateDir)
			if err != nil {
				return err
			}
			defer release()
			id := c.Args().First()
			if id == "" {
				if id, err = lastUnfinished(stateDir); err != nil {
					return err
				}
				if id == "" {
					fmt.Fprintln(d.env.Stdout, "nothing to roll back: every run finished or was rolled back")
					return nil
				}
			} else if _, err := orchestrator.LoadRun(stateDir, id); err != nil {
				return usagef("run %s: %v (see `wurepair runs list`)", id, err)
			}
			if !c.Bool("yes") && !d.env.IsTerminal() {
				return usagef("rollback changes the machine: pass --yes to run unattended")
			}
			if !c.Bool("yes") && !confirm(d.env, fmt.Sprintf("Roll back run %s? [y/N] ", id)) {
				fmt.Fprintln(d.env.Stdout, "cancelled: nothing was changed")
				return exitWith(ExitFailure, nil)
			}
			w, err := d.open(c)
			if err != nil {
				return err
			}
			defer w.Close()
			dir := filepath.Join(orchestrator.RunsDir(stateDir), id)
			j, recs, err := orchestrator.AppendJournal(dir, time.Now)
			if err != nil {
				return fmt.Errorf("journal of run %s: %w", id, err)
			}
			defer j.Close()
			if _, err := j.Append(orchestrator.Record{Type: orchestrator.RecNote, Run: d.runInfo(id, "rollback", nil, w),
				Detail: "rollback started"}); err != nil {
				return err
			}
			fmt.Fprintf(d.env.Stdout, "rolling back run %s\n", id)
			d.auditStart(w.log, stateDir, id, "rollback", nil)
			run := &orchestrator.Run{ID: id, Dir: dir, Host: w.host, Journal: j, Events: d.progress(true, w.log.WithField("run", id), &Report{})}
			rerr := run.Rollback(c.Context, recs)
			outcome := orchestrator.OutcomeRolledBack
			if rerr != nil {
				outcome = orchestrator.OutcomePartial
			}
			if _, err := j.Append(orchestrator.Record{Type: orchestrator.RecRunEnd, Outcome: outcome, Detail: "rollback"}); err != nil {
				return errors.Join(rerr, err)
			}
			d.auditRollback(w.log, stateDir, id, rerr)
			if rerr != nil {
				return exitWith(ExitPartial, fmt.Errorf("rollback of %s incomplete: %w; the journal %s names what to check", id, rerr, filepath.Join(dir, orchestrator.JournalName)))
			}
			fmt.Fprintf(d.env.Stdout, "run %s rolled back\n", id)
			return nil
		},
	}
}

// lastUnfinished is the newest run with no run-end, or whose run ended partial.
func lastUnfinished(stateDir string) (string, error) {
	runs, err := orchestrator.ListRuns(stateDir)
	if err != nil {
		return "", err
	}
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Incomplete() || runs[i].Outcome == orchestrator.OutcomePartial {
			return runs[i].ID, nil
		}
	}
	return "", nil
}
