package app

import (
	"errors"
	"fmt"
	"io/fs"
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
			if id := c.Args().First(); id != "" && !orchestrator.ValidRunID(id) {
				return usagef("%q is not a run id (see `wurepair runs list`)", printable(id))
			}
			st, err := d.openState(c, false)
			if err != nil {
				return err
			}
			if st.sd == nil {
				if id := c.Args().First(); id != "" {
					return usagef("no run %s: no run was ever journaled here (see `wurepair runs list`)", id)
				}
				fmt.Fprintln(d.env.Stdout, "nothing to roll back: no run was ever journaled here")
				return nil
			}
			release, err := lock(st)
			if err != nil {
				return err
			}
			defer release()
			id := c.Args().First()
			if id == "" {
				runs, err := st.runs()
				if err != nil {
					return err
				}
				for _, l := range rejectedLines(runs) {
					fmt.Fprintln(d.env.Stderr, "wurepair: "+l)
				}
				if id = lastUnfinished(runs); id == "" {
					fmt.Fprintln(d.env.Stdout, "nothing to roll back: every verified run finished or was rolled back")
					return nil
				}
			} else if _, err := orchestrator.LoadRun(st.sd, id, st.key); !orchestrator.Usable(err) {
				return refuseJournal(id, err)
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
			dir := filepath.Join(orchestrator.RunsDir(st.sd.Path), id)
			j, recs, err := orchestrator.AppendJournal(st.sd, id, st.key, time.Now)
			if err != nil {
				return refuseJournal(id, err)
			}
			defer j.Close()
			if _, err := j.Append(orchestrator.Record{Type: orchestrator.RecNote, Run: d.runInfo(id, "rollback", nil, w),
				Detail: "rollback started"}); err != nil {
				return err
			}
			fmt.Fprintf(d.env.Stdout, "rolling back run %s\n", id)
			d.auditStart(w.log, st.sd.Path, id, "rollback", nil)
			run := &orchestrator.Run{ID: id, Dir: dir, State: st.sd, Host: w.host, Journal: j, Events: d.progress(true, w.log.WithField("run", id), &Report{})}
			rerr := run.Rollback(c.Context, recs)
			outcome := orchestrator.OutcomeRolledBack
			if rerr != nil {
				outcome = orchestrator.OutcomePartial
			}
			_, jerr := j.Append(orchestrator.Record{Type: orchestrator.RecRunEnd, Outcome: outcome, Detail: "rollback"})
			d.auditRollback(w.log, st.sd.Path, id, errors.Join(rerr, jerr))
			if rerr != nil || jerr != nil {
				return exitWith(ExitPartial, fmt.Errorf("rollback of %s incomplete: %s; the journal %s names what to check; then run `%s` again",
					id, oneLine(errors.Join(rerr, jerr).Error()), filepath.Join(dir, orchestrator.JournalName), rollbackCommand(id)))
			}
			fmt.Fprintf(d.env.Stdout, "run %s rolled back\n", id)
			return nil
		},
	}
}

// lastUnfinished is the newest verified run with no seal, or whose
// rollback was partial. A journal of the format before seals (Legacy) is
// never picked: cut short, it looks like a crash, so only an admin who
// names it rolls it back (detect and diagnose name it).
func lastUnfinished(runs []orchestrator.RunSummary) string {
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Verified && !runs[i].Legacy && (runs[i].Incomplete() || runs[i].Outcome == orchestrator.OutcomePartial) {
			return runs[i].ID
		}
	}
	return ""
}

// refuseJournal: a journal that cannot be acted on is refused, nothing
// changed. A missing one is a usage error.
func refuseJournal(id string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return usagef("run %s: no journal (see `wurepair runs list`)", id)
	}
	if errors.Is(err, orchestrator.ErrJournalNewer) {
		return exitWith(ExitUntrusted, fmt.Errorf("run %s: %w; nothing was changed: roll it back with that version", id, err))
	}
	return exitWith(ExitUntrusted, fmt.Errorf("run %s: %w; it is not acted on, nothing was changed", id, untrustedState(err)))
}
