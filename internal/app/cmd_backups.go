package app

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
	"github.com/wurepair/wurepair/scripts"
)

func (d *deps) cmdBackups() *cli.Command {
	return &cli.Command{
		Name:  "backups",
		Usage: "list or prune the folders wurepair renamed aside",
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "list wurepair backups on this machine",
				Flags: append(append([]cli.Flag{outputFlag()}, sessionFlags()...), logFlags()...),
				Action: func(c *cli.Context) error {
					w, err := d.open(c)
					if err != nil {
						return err
					}
					defer w.Close()
					backups, err := orchestrator.ListBackups(c.Context, w.host)
					if err != nil {
						return err
					}
					if w.format == "json" {
						return writeJSON(d.env.Stdout, backups)
					}
					tw := tabwriter.NewWriter(d.env.Stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "BACKUP\tRUN\tMADE\tBYTES")
					for _, b := range backups {
						made := "unknown"
						if t, ok := orchestrator.BackupMade(b); ok {
							made = t.Format(time.RFC3339)
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", printable(b.Path), printable(b.RunId), made, b.Bytes)
					}
					return tw.Flush()
				},
			},
			{
				Name:  "prune",
				Usage: "delete backups older than a duration (the only thing wurepair ever deletes)",
				Flags: append(append([]cli.Flag{
					&cli.GenericFlag{Name: "older-than", Value: &durationValue{}, Usage: "delete backups made more than this long ago, by the time in their run id (`DURATION`: 30d, 720h)"},
					&cli.BoolFlag{Name: "dry-run", Usage: "list what would be deleted"},
					&cli.StringSliceFlag{Name: "include-orphans", Usage: "also delete the backups of run `RUN-ID`, which has no verified journal in the state directory " +
						"(kept otherwise: the run may never have finished); repeat for more runs"},
					&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
					stateDirFlag(),
				}, sessionFlags()...), logFlags()...),
				Action: d.prune,
			},
		},
	}
}

func (d *deps) prune(c *cli.Context) error {
	age := c.Generic("older-than").(*durationValue).d
	if age <= 0 {
		return usagef("--older-than DURATION is required and must be positive, e.g. --older-than 30d or 720h")
	}
	orphans := c.StringSlice("include-orphans")
	for _, id := range orphans {
		if !orchestrator.ValidRunID(id) {
			return usagef("--include-orphans %q is not a run id (prune names the run of each backup it keeps)", printable(id))
		}
	}
	dry := c.Bool("dry-run")
	if !dry && !c.Bool("yes") && !d.env.IsTerminal() {
		return usagef("prune deletes backups: pass --yes to run unattended, or --dry-run to preview")
	}
	st, err := d.openState(c, !dry)
	if err != nil {
		return err
	}
	if !dry {
		release, err := lock(st)
		if err != nil {
			return err
		}
		defer release()
	}
	// Which runs may still need their backups: those that did not finish,
	// and those whose journals cannot be verified.
	runs, err := st.runs()
	if err != nil {
		return err
	}
	w, err := d.open(c)
	if err != nil {
		return err
	}
	defer w.Close()
	backups, err := orchestrator.ListBackups(c.Context, w.host)
	if err != nil {
		return err
	}
	out := d.env.Stdout
	var old []scripts.BackupInfo
	for _, dec := range orchestrator.PlanPrune(backups, runs, time.Now().Add(-age), orphans) {
		b := dec.Backup
		switch {
		case dec.Delete:
			old = append(old, b)
		case dec.Reason != "it is younger than the cutoff":
			fmt.Fprintf(out, "keep %s: %s\n", printable(b.Path), printable(dec.Reason))
		}
	}
	if len(old) == 0 {
		fmt.Fprintf(out, "no backup is older than %s that may be deleted\n", age)
		return nil
	}
	for _, b := range old {
		made, _ := orchestrator.BackupMade(b)
		fmt.Fprintf(out, "%s %s (made by run %s at %s, %d bytes)\n", map[bool]string{true: "would delete", false: "delete"}[dry], printable(b.Path), printable(b.RunId), made.Format(time.RFC3339), b.Bytes)
	}
	if dry {
		fmt.Fprintln(out, "dry run: nothing was deleted")
		return nil
	}
	if !c.Bool("yes") && !confirm(d.env, "Delete these backups? [y/N] ") {
		fmt.Fprintln(out, "cancelled: nothing was deleted")
		return exitWith(ExitFailure, nil)
	}
	run, err := d.startRun(st, "backups prune", nil, w)
	if err != nil {
		return err
	}
	j := run.Journal
	defer j.Close()
	deleted, perr := run.Prune(c.Context, old)
	outcome := orchestrator.OutcomeSuccess
	if perr != nil {
		outcome = orchestrator.OutcomePartial
	}
	_, jerr := j.Append(orchestrator.Record{Type: orchestrator.RecRunEnd, Outcome: outcome})
	d.auditPrune(w.log, st.sd.Path, run.ID, deleted, errors.Join(perr, jerr))
	if perr != nil || jerr != nil {
		return errors.Join(perr, jerr)
	}
	fmt.Fprintf(out, "deleted %d backup(s) (run %s)\n", len(old), run.ID)
	return nil
}
