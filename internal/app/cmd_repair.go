package app

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

func (d *deps) cmdRepair() *cli.Command {
	var plans []string
	for _, p := range orchestrator.PlanNames {
		plans = append(plans, fmt.Sprintf("   %-10s %s", p, orchestrator.PlanPurpose[p]))
	}
	return &cli.Command{
		Name:      "repair",
		Usage:     "diagnose, then run a repair plan with a journal and rollback",
		ArgsUsage: "[PLAN]",
		Description: "PLANS:\n" + strings.Join(plans, "\n") + "\n\n" +
			"Every change is journaled first (prior state included) under the state directory; a failed\n" +
			"step undoes everything already changed, newest first. Folders are renamed to\n" +
			"<name>.wurepair-<run id>, never deleted. --dry-run prints exactly what would change.\n\n" +
			"Refused, nothing changed: an earlier run is unfinished (exit 6; --recover rolls it back first,\n" +
			"--force repairs on top of it); the plan already succeeded --escalate-after times within\n" +
			"--escalate-window and the same problem came back (exit 8: escalate; --force repairs anyway);\n" +
			"not elevated (exit 9); a probe the decision depends on failed (exit 10; --force overrides).",
		Flags: append(append([]cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Usage: "probe and print exactly what would change; change nothing"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation (unattended: ConfigMgr, Intune)"},
			&cli.IntFlag{Name: "service-timeout", Value: 60, Usage: "seconds a service may take to stop or start"},
			&cli.StringFlag{Name: "source", Usage: "components plan: repair source for Repair-WindowsImage -Source: the Windows folder of a mounted image of the same build (e.g. E:\\mount\\Windows) or wim:D:\\sources\\install.wim:1"},
			&cli.BoolFlag{Name: "limit-access", Usage: "components plan: do not use Windows Update as a repair source"},
			&cli.BoolFlag{Name: "force", Usage: "repair even though an earlier run did not finish (instead: roll it back first with wurepair rollback), Windows servicing waits for a reboot (instead: reboot first), the same problem came back after repeated repairs (loop guard), or a probe failed"},
			&cli.GenericFlag{Name: "max-duration", Value: &durationValue{}, Usage: "a time budget for unattended runs (`DURATION`, e.g. 540s under ConfigMgr's 600 s script limit): auto leaves out the plans that can take longer (components: hours), unless named"},
			&cli.BoolFlag{Name: "recover", Usage: "unattended: first roll back every unfinished run (killed, crashed; recorded in its journal), then diagnose afresh and repair"},
			outputFlag(), stateDirFlag(),
		}, append(loopGuardFlags(), sessionFlags()...)...), logFlags()...),
		Action: d.repair,
	}
}

func (d *deps) repair(c *cli.Context) error {
	if c.NArg() > 1 {
		return usagef("repair takes at most one PLAN")
	}
	requested := c.Args().First()
	if requested == "" {
		requested = "auto"
	}
	if _, ok := orchestrator.PlanPurpose[requested]; !ok {
		return usagef("unknown plan %q: want one of %s", requested, strings.Join(orchestrator.PlanNames, ", "))
	}
	if t := c.Int("service-timeout"); t < 1 || t > 3600 {
		return usagef("--service-timeout %d: want 1 to 3600 seconds", t)
	}
	dry := c.Bool("dry-run")
	if !dry && !c.Bool("yes") && !d.env.IsTerminal() {
		return usagef("repair changes the machine: pass --yes to run unattended, or --dry-run to preview")
	}
	st, err := d.openState(c, !dry)
	if err != nil {
		return err
	}
	stateDir := "" // a dry run may have none: it records nothing
	if st.sd != nil {
		stateDir = st.sd.Path
	}
	var unfinished, recovered []string
	var w *workspace
	if !dry {
		release, err := lock(st)
		if err != nil {
			return err
		}
		defer release()
		runs, err := st.runs()
		if err != nil {
			return err
		}
		// A repair on top of an unfinished one would journal the machine's
		// half-changed state as "before": refused unless --force. Rolling
		// it back first is an admin's call (its prior state may be old),
		// or, with --recover, the unattended remediation's (issue 18: a
		// fleet has no admin to ask, and one kill must not block it).
		unfinished = unfinishedLines(runs)
		if len(unfinished) > 0 && c.Bool("recover") {
			if w, err = d.open(c); err != nil {
				return err
			}
			defer w.Close()
			if recovered, err = d.recoverRuns(c, w, st, runs); err != nil {
				return err
			}
			unfinished = nil
		}
		if len(unfinished) > 0 && !c.Bool("force") {
			return exitWith(ExitUnfinished, fmt.Errorf("refused, nothing changed: an earlier run did not finish:\n  %s\n"+
				"roll it back first (or pass --recover to have repair roll it back), or pass --force to repair on top of it", strings.Join(unfinished, "\n  ")))
		}
	}
	if w == nil {
		if w, err = d.open(c); err != nil {
			return err
		}
		defer w.Close()
	}
	out := d.env.Stdout
	text := w.format == "text"
	if dry {
		w.host.CheckMode = true
	}
	facts, diag, err := d.probe(c, w, requested)
	if err != nil {
		return err
	}
	rep := newReport("repair", w.facts, diag)
	rep.DryRun = dry
	finish := func(outcome, msg string, code int) error {
		rep.Outcome, rep.Message, rep.ExitCode = outcome, msg, code
		w.log.WithFields(logrus.Fields{"outcome": outcome, "exitCode": code}).Infof("repair finished: exit %d (%s)", code, outcome)
		d.auditOutcome(w.log, stateDir, rep)
		if !text {
			if err := writeJSON(out, rep); err != nil {
				return err
			}
		} else if msg != "" {
			fmt.Fprintln(out, msg)
		}
		if code != ExitOK {
			return exitWith(code, nil)
		}
		return nil
	}
	if text {
		fmt.Fprintln(out, "host: "+hostLine(w.facts))
	}
	logFindings(w.log, diag)
	if refusal := preflight(c, facts, diag, requested); refusal != nil {
		w.log.Error(refusal.msg)
		return finish(refusal.outcome, refusal.msg, refusal.code)
	}
	// Servicing waiting for a reboot gates components, datastore and reset (exit 7).
	diag, gate := orchestrator.RebootGate(&facts, diag, requested, c.Bool("force"))
	if gate != nil && !gate.Forced {
		w.log.Error(gate.Error())
		return finish("refused", gate.Error(), ExitRebootPending)
	} else if gate != nil {
		w.log.Warn(gate.Error())
	}
	plans, err := orchestrator.Resolve(requested, diag)
	if errors.Is(err, orchestrator.ErrNothingToDo) {
		return finish("nothing-to-do", "nothing to repair: the diagnosis justifies no change, so none was made", ExitOK)
	}
	if err != nil {
		return usagef("%v", err)
	}
	if budget := c.Generic("max-duration").(*durationValue).d; budget > 0 && requested == "auto" {
		var left []string
		if plans, left = withinBudget(plans); len(left) > 0 {
			line := fmt.Sprintf("--max-duration %s: left out %s (it can take far longer; run `wurepair repair %s` in a maintenance window)",
				formatDuration(budget), strings.Join(left, ", "), strings.Join(left, " "))
			w.log.Warn(line)
			if len(plans) == 0 {
				return finish("refused", "refused, nothing changed: "+line, ExitFailure)
			}
			w.overrides = append(w.overrides, line)
			if text {
				fmt.Fprintln(out, "note: "+line)
			}
		}
	}
	rep.Plans = plans
	steps, err := orchestrator.BuildSteps(c.Context, w.host, &facts, plans)
	var refused *orchestrator.RefusedError
	if errors.As(err, &refused) {
		w.log.Error(refused.Error())
		return finish("refused", refused.Error(), ExitFailure)
	}
	if err != nil {
		return err
	}
	rep.Changes = plannedSteps(steps, &facts)
	if text {
		fmt.Fprintf(out, "plan: %s (%d steps)\n", strings.Join(plans, " + "), len(steps))
		for i, ps := range rep.Changes {
			fmt.Fprintf(out, "  %d. %s\n", i+1, ps.Step)
			fmt.Fprint(out, indent(printableAll(ps.Changes), "       - "))
		}
	}
	if dry {
		return finish("dry-run", "dry run: nothing was changed", ExitOK)
	}
	if !c.Bool("yes") && !confirm(d.env, "Proceed? [y/N] ") {
		return finish("cancelled", "cancelled: nothing was changed", ExitFailure)
	}
	notes := append(append(recoveredNotes(recovered), unfinishedNotes(unfinished)...), w.overrides...)
	return d.execute(c, w, st, notes, facts, plans, steps, rep, finish)
}

func confirm(env Env, prompt string) bool {
	fmt.Fprint(env.Stdout, prompt)
	line, _ := bufio.NewReader(env.Stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

func (d *deps) execute(c *cli.Context, w *workspace, st *state, journalNotes []string, facts orchestrator.Facts, plans []string,
	steps []orchestrator.Step, rep *Report, finish func(string, string, int) error) error {
	run, err := d.startRun(st, "repair", plans, w)
	if err != nil {
		return err
	}
	defer run.Journal.Close()
	for _, n := range journalNotes {
		if _, err := run.Journal.Append(orchestrator.Record{Type: orchestrator.RecNote, Detail: n}); err != nil {
			return err
		}
	}
	// Why this run repairs: the findings, with their evidence (issue 18).
	if _, err := run.Journal.Append(orchestrator.FindingsRecord(rep.Findings)); err != nil {
		return err
	}
	id, dir := run.ID, run.Dir
	rep.RunID = id
	d.auditStart(w.log, st.sd.Path, id, "repair", plans)
	log := w.log.WithField("run", id)
	out := d.env.Stdout
	text := w.format == "text"
	if text {
		fmt.Fprintf(out, "run %s (journal: %s)\n", id, filepath.Join(dir, orchestrator.JournalName))
	}
	run.Facts = &facts
	run.Options = orchestrator.Options{ServiceTimeoutSec: c.Int("service-timeout"), Source: c.String("source"), LimitAccess: c.Bool("limit-access")}
	run.Events = d.progress(text, log, rep)
	w.host.OnProgress = d.scriptProgress(text, log)
	defer func() { w.host.OnProgress = nil }()
	outcome, err := run.Execute(c.Context, steps)
	rep.RebootRequired = run.RebootNeeded
	var pe *orchestrator.PlanError
	switch {
	case errors.As(err, &pe) && pe.RollbackErr == nil:
		log.WithField("outcome", outcome).Error(pe.Error())
		return finish(outcome, fmt.Sprintf("FAILED: %s\nrun %s was rolled back; its journal: %s", oneLine(pe.Error()), id, dir), ExitFailure)
	case errors.As(err, &pe):
		log.WithField("outcome", outcome).Error(pe.Error())
		return finish(outcome, fmt.Sprintf("FAILED: %s\nrollback was incomplete: check %s, then run `%s`", oneLine(pe.Error()), filepath.Join(dir, orchestrator.JournalName), rollbackCommand(id)), ExitPartial)
	case err != nil:
		return err
	}
	log.WithField("outcome", outcome).Info("repair finished")
	for _, ch := range rep.Changes { // the evidence: what this run changed (issue 18)
		log.WithField("step", ch.Step).Info(printable("changed: " + ch.Step + ": " + strings.Join(ch.Changes, "; ")))
	}
	// Outcomes the run went on after (a protected registration): logged
	// as warnings and said after the result line.
	var notes string
	for _, n := range run.Notices {
		log.Warn(n)
		notes += "\nnote: " + n
	}
	if run.RebootNeeded {
		return finish("success-reboot-required", fmt.Sprintf("repaired (run %s); a reboot is required to finish", id)+notes, ExitRebootRequired)
	}
	msg := fmt.Sprintf("repaired (run %s)", id)
	if len(run.Backups) > 0 {
		msg += fmt.Sprintf("; %d backup folders kept beside the originals (%s): `wurepair backups prune` removes old ones", len(run.Backups), strings.Join(run.Backups, ", "))
	}
	return finish(outcome, msg+notes, ExitOK)
}

// progress prints one line per step (text) and logs every event.
func (d *deps) progress(text bool, log *logrus.Entry, rep *Report) func(orchestrator.Event) {
	out := d.env.Stdout
	return func(e orchestrator.Event) {
		entry := log.WithFields(logrus.Fields{"step": e.Step, "phase": e.Phase, "durationMs": e.Duration.Milliseconds()})
		switch {
		case e.Index == 0: // an undo during rollback
			if e.Err != nil {
				entry.Errorf("undo failed: %v", e.Err)
			} else {
				entry.Info(e.Detail)
			}
			if text {
				status := "ok"
				if e.Err != nil {
					status = "FAILED: " + oneLine(e.Err.Error())
				}
				fmt.Fprintf(out, "  rollback: %s ... %s %s\n", printable(e.Step), printable(status), printable(e.Detail))
			}
		case e.Phase == orchestrator.PhaseStart:
			entry.Info("step started")
			if text { // whole lines: a long step shows at once, logs never cut in
				fmt.Fprintf(out, "[%d/%d] %s ...\n", e.Index, e.Total, e.Step)
			}
		default:
			sr := StepReport{Step: e.Step, Status: e.Phase, DurationMs: e.Duration.Milliseconds()}
			if e.Err != nil {
				sr.Error = e.Err.Error()
				entry.Errorf("step failed: %v", e.Err)
			} else {
				entry.Info("step done")
			}
			rep.Steps = append(rep.Steps, sr)
			if text {
				status := "ok"
				if e.Err != nil {
					status = "FAILED"
				}
				fmt.Fprintf(out, "[%d/%d] %s: %s (%s)\n", e.Index, e.Total, e.Step, status, seconds(e.Duration))
			}
		}
	}
}

// scriptProgress shows the percentage of a long script (a component store
// scan or repair) on stdout and in the log: whole lines, at most one per
// 10 points, so that a log never fills with them.
func (d *deps) scriptProgress(text bool, log *logrus.Entry) func(script string, percent int) {
	out := d.env.Stdout
	var mu sync.Mutex
	last, lastScript := -1, ""
	return func(script string, percent int) {
		mu.Lock()
		defer mu.Unlock()
		if script != lastScript || percent < last {
			last, lastScript = -1, script // a new call
		}
		if last >= 0 && percent < last+10 && !(percent == 100 && last != 100) {
			return
		}
		last = percent
		log.WithFields(logrus.Fields{"script": script, "percent": percent}).Info("progress")
		if text {
			fmt.Fprintf(out, "      %s: %d%%\n", script, percent)
		}
	}
}

// startRun creates a run: its id, its directory and journal, and the
// run-start record saying who ran what. The caller closes the journal.
func (d *deps) startRun(st *state, command string, plans []string, w *workspace) (*orchestrator.Run, error) {
	id, err := orchestrator.NewRunID(time.Now())
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(orchestrator.RunsDir(st.sd.Path), id)
	j, err := orchestrator.CreateJournal(st.sd, id, st.key, time.Now)
	if err != nil {
		return nil, untrustedState(err)
	}
	if _, err := j.Append(orchestrator.Record{Type: orchestrator.RecRunStart, Run: d.runInfo(id, command, plans, w)}); err != nil {
		return nil, errors.Join(err, j.Close())
	}
	return &orchestrator.Run{ID: id, Dir: dir, State: st.sd, Host: w.host, Journal: j}, nil
}

func (d *deps) runInfo(id, command string, plans []string, w *workspace) *orchestrator.RunInfo {
	if d.env.Identity != nil {
		// Windows: from the token, never from variables the caller sets.
		if user, machine, err := d.env.Identity(); err == nil {
			return &orchestrator.RunInfo{ID: id, Command: command, Plans: plans, Version: d.env.Version, User: user, Machine: machine,
				HostPID: w.facts.PID, OSBuild: fmt.Sprintf("%d.%d", w.facts.OSBuild, w.facts.OSUBR)}
		}
	}
	user := d.env.Getenv("USERNAME")
	if dom := d.env.Getenv("USERDOMAIN"); dom != "" && user != "" {
		user = dom + `\` + user
	}
	if user == "" {
		user = d.env.Getenv("USER")
	}
	machine := d.env.Getenv("COMPUTERNAME")
	if machine == "" {
		machine, _ = os.Hostname()
	}
	return &orchestrator.RunInfo{ID: id, Command: command, Plans: plans, Version: d.env.Version, User: user, Machine: machine,
		HostPID: w.facts.PID, OSBuild: fmt.Sprintf("%d.%d", w.facts.OSBuild, w.facts.OSUBR)}
}

// withinBudget leaves out of an automatic plan set the plans with no
// bound on their duration: the component-store repair (DISM
// RestoreHealth) can take hours; the others are bounded by
// --service-timeout per service.
func withinBudget(plans []string) (kept, left []string) {
	for _, p := range plans {
		if p == "components" {
			left = append(left, p)
		} else {
			kept = append(kept, p)
		}
	}
	return kept, left
}
