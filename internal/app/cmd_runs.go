package app

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

func (d *deps) cmdRuns() *cli.Command {
	return &cli.Command{
		Name:  "runs",
		Usage: "list runs or show one run's journal (the audit trail)",
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "list every run with its outcome",
				Flags: []cli.Flag{outputFlag(), stateDirFlag(), trustEnv()},
				Action: func(c *cli.Context) error {
					format, err := outputFormat(c)
					if err != nil {
						return err
					}
					st, err := d.openState(c, false)
					if err != nil {
						return err
					}
					runs, err := st.runsNow()
					if err != nil {
						return err
					}
					if format == "json" {
						return writeJSON(d.env.Stdout, runs)
					}
					tw := tabwriter.NewWriter(d.env.Stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "RUN\tCOMMAND\tPLANS\tOUTCOME\tCHANGES\tUNDONE\tSTARTED")
					for _, r := range runs {
						if !r.Verified {
							continue
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", r.ID, printable(r.Command), printable(strings.Join(r.Plans, "+")), printable(r.Outcome), r.Changes, r.Undone, r.Started.Format(time.RFC3339))
					}
					if err := tw.Flush(); err != nil {
						return err
					}
					for _, l := range rejectedLines(runs) {
						fmt.Fprintln(d.env.Stdout, l)
					}
					for _, l := range unfinishedLines(runs) {
						fmt.Fprintln(d.env.Stdout, l)
					}
					return nil
				},
			},
			{
				Name:      "show",
				Usage:     "print one run's journal, verifying its hash chain",
				ArgsUsage: "RUN-ID",
				Flags:     []cli.Flag{outputFlag(), stateDirFlag(), trustEnv()},
				Action: func(c *cli.Context) error {
					format, err := outputFormat(c)
					if err != nil {
						return err
					}
					if c.NArg() != 1 {
						return usagef("runs show takes one RUN-ID (see `wurepair runs list`)")
					}
					st, err := d.openState(c, false)
					if err != nil {
						return err
					}
					id := c.Args().First()
					if !orchestrator.ValidRunID(id) {
						return usagef("%q is not a run id (see `wurepair runs list`)", printable(id))
					}
					if st.sd == nil {
						return usagef("run %s: no state directory (see `wurepair runs list`)", id)
					}
					recs, rerr := orchestrator.LoadRun(st.sd, id, st.key)
					if !orchestrator.Usable(rerr) {
						// Nothing of a journal that fails verification is shown
						// as if it were the audit trail.
						return refuseJournal(id, rerr)
					}
					sum := orchestrator.Summarize(id, recs, rerr)
					if format == "json" {
						return writeJSON(d.env.Stdout, struct {
							Summary orchestrator.RunSummary `json:"summary"`
							Records []orchestrator.Record   `json:"records"`
						}{sum, recs})
					}
					out := d.env.Stdout
					fmt.Fprintln(out, printable(fmt.Sprintf("run %s: %s %s, outcome %s, %d change(s), %d undone", id, sum.Command, strings.Join(sum.Plans, "+"), sum.Outcome, sum.Changes, sum.Undone)))
					for _, r := range recs {
						// Control characters from the journal are escaped,
						// never sent raw to a terminal.
						fmt.Fprintln(out, printable(recordLine(r)))
					}
					if rerr != nil {
						fmt.Fprintf(out, "journal hash chain verified up to a torn last record (a crash mid-write): %v\n", rerr)
						return nil
					}
					fmt.Fprintln(out, "journal hash chain verified")
					return nil
				},
			},
		},
	}
}

func recordLine(r orchestrator.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%4d %s %-11s", r.Seq, r.Time.Format("15:04:05.000"), r.Type)
	if r.Ref != 0 {
		fmt.Fprintf(&b, " #%d", r.Ref)
	}
	if r.Kind != "" {
		fmt.Fprintf(&b, " %s", r.Kind)
	}
	if r.Target != "" {
		fmt.Fprintf(&b, " %s", r.Target)
	}
	if r.Backup != "" {
		fmt.Fprintf(&b, " -> %s", r.Backup)
	}
	if r.Prior != nil {
		fmt.Fprintf(&b, " (was %s", r.Prior.Status)
		if r.Prior.StartType != "" {
			fmt.Fprintf(&b, ", start type %s", r.Prior.StartType)
			if r.Prior.DelayedAutoStart {
				b.WriteString(" (delayed)")
			}
		}
		b.WriteString(")")
	}
	if r.Script != "" {
		fmt.Fprintf(&b, " [%s %s]", r.Script, short(r.ScriptSHA256))
	}
	if r.Run != nil {
		fmt.Fprintf(&b, " %s %s by %s on %s, wurepair %s", r.Run.Command, strings.Join(r.Run.Plans, "+"), orUnknown(r.Run.User, "user"), orUnknown(r.Run.Machine, "machine"), r.Run.Version)
	}
	if r.Outcome != "" {
		fmt.Fprintf(&b, " outcome=%s", r.Outcome)
	}
	if r.Detail != "" {
		fmt.Fprintf(&b, ": %s", oneLine(r.Detail))
	}
	if r.Error != "" {
		fmt.Fprintf(&b, " ERROR: %s", oneLine(r.Error))
	}
	return b.String()
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
