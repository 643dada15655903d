package app

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
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
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", b.Path, b.RunId, made, b.Bytes)
					}
					return tw.Flush()
				},
			},
			{
				Name:  "prune",
				Usage: "delete backups older than a duration (the only thing wurepair ever deletes)",
				Flags: append(append([]cli.Flag{
					&cli.DurationFlag{Name: "older-than", Usage: "delete backups made more than this long ago, by the time in their run id (e.g. 720h)"},
					&cli.BoolFlag{Name: "dry-run", Usage: "list what would be deleted"},
					&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
					stateDirFlag(),
				}, sessionFlags()...), logFlags()...),
				Action: d.prune,
			},
		},
	}
}

func (d *deps) prune(c *cli.Context) error {
	age := c.Duration("older-than")
	if age <= 0 {
		return usagef("--older-than DURATION is required and must be positive, e.g. --older-than 720h")
	}
	dry := c.Bool("dry-run")
	if !dry && !c.Bool("yes") && !d.env.IsTerminal() {
		return usagef("prune deletes backups: pass --yes to run unattended, or --dry-run to preview")
	}
	stateDir, err := d.stateDir(c)
	if err != nil {
		return err
	}
	if !dry {
		release, err := lock(stateDir)
		if err != nil {
			return err
		}
		defer release()
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
	old, undated := orchestrator.OlderThan(backups, time.Now().Add(-age))
	out := d.env.Stdout
	for _, b := range undated {
		fmt.Fprintf(out, "keep %s: its run id %q carries no time, so its age is unknown\n", b.Path, b.RunId)
	}
	if len(old) == 0 {
		fmt.Fprintf(out, "no backup is older than %s\n", age)
		return nil
	}
	for _, b := range old {
		made, _ := orchestrator.BackupMade(b)
		fmt.Fprintf(out, "%s %s (made by run %s at %s, %d bytes)\n", map[bool]string{true: "would delete", false: "delete"}[dry], b.Path, b.RunId, made.Format(time.RFC3339), b.Bytes)
	}
	if dry {
		fmt.Fprintln(out, "dry run: nothing was deleted")
		return nil
	}
	if !c.Bool("yes") && !confirm(d.env, "Delete these backups? [y/N] ") {
		fmt.Fprintln(out, "cancelled: nothing was deleted")
		return exitWith(ExitFailure, nil)
	}
	run, err := d.startRun(stateDir, "backups prune", nil, w)
	if err != nil {
		return err
	}
	j := run.Journal
	defer j.Close()
	perr := run.Prune(c.Context, old)
	outcome := orchestrator.OutcomeSuccess
	if perr != nil {
		outcome = orchestrator.OutcomePartial
	}
	if _, err := j.Append(orchestrator.Record{Type: orchestrator.RecRunEnd, Outcome: outcome}); err != nil {
		return errors.Join(perr, err)
	}
	if perr != nil {
		return perr
	}
	fmt.Fprintf(out, "deleted %d backup(s) (run %s)\n", len(old), run.ID)
	return nil
}
