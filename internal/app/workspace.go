package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
	"github.com/wurepair/wurepair/ps"
)

// stateDirFlag: where journals, backups' records and the lock live.
func stateDirFlag() cli.Flag {
	return &cli.StringFlag{Name: "state-dir", Usage: "journals, the run lock and logs\\ live here (default: the ProgramData folder's wurepair on Windows, " +
		"from the OS, never %ProgramData%; /var/lib/wurepair elsewhere; $WUREPAIR_STATE_DIR overrides, when elevated only with --trust-env)"}
}

func (d *deps) stateDir(c *cli.Context) (string, error) {
	if v := c.String("state-dir"); v != "" {
		return filepath.Abs(v)
	}
	if v := d.getenv(c)(envStateDir); v != "" {
		return filepath.Abs(v)
	}
	if runtime.GOOS == "windows" {
		pd, err := d.env.ProgramData()
		if err != nil || pd == "" {
			return "", usagef("Windows does not say where ProgramData is (%v); pass --state-dir", err)
		}
		return filepath.Join(pd, "wurepair"), nil
	}
	return "/var/lib/wurepair", nil
}

// state is the trusted state directory and its journal key. sd is nil
// when the directory does not exist yet (read-only commands).
type state struct {
	sd  *orchestrator.StateDir
	key []byte
}

// openState opens the state directory after its trust checks (DESIGN.md
// §8): owner SYSTEM/Administrators (Unix: root, or the user running
// wurepair), writable by no one else, no link. create: a command that
// changes the machine makes it (protected) and the journal key. One that
// fails the checks is refused with ExitUntrusted and never read.
func (d *deps) openState(c *cli.Context, create bool) (*state, error) {
	path, err := d.stateDir(c)
	if err != nil {
		return nil, err
	}
	sd, err := orchestrator.OpenStateDir(path, create)
	if errors.Is(err, orchestrator.ErrNoStateDir) && !create {
		return &state{}, nil
	}
	if err != nil {
		return nil, untrustedState(err)
	}
	key, err := sd.JournalKey(create)
	if errors.Is(err, orchestrator.ErrNoKey) && !create {
		key, err = nil, nil // no run was ever journaled with a key: every journal will fail verification
	}
	if err != nil {
		return nil, untrustedState(err)
	}
	return &state{sd: sd, key: key}, nil
}

func untrustedState(err error) error {
	if errors.Is(err, orchestrator.ErrUntrusted) {
		return exitWith(ExitUntrusted, fmt.Errorf("%w; nothing was read or changed. The state directory must be owned by SYSTEM or "+
			"Administrators (Unix: root) and writable by no one else, and hold no links: fix its owner and permissions, or "+
			"move it away so that wurepair recreates it", err))
	}
	return err
}

// runs lists every run, verified or not.
func (s *state) runs() ([]orchestrator.RunSummary, error) {
	runs, err := orchestrator.ListRuns(s.sd, s.key)
	if err != nil {
		return nil, untrustedState(err)
	}
	return runs, nil
}

// runsNow lists the runs for a read-only command: the newest one without
// a run-end is "running", not unfinished, while a run holds the lock.
func (s *state) runsNow() ([]orchestrator.RunSummary, error) {
	runs, err := s.runs()
	if err == nil {
		orchestrator.MarkRunning(runs, orchestrator.LockHeld(s.sd))
	}
	return runs, err
}

// lock takes the state directory's run lock for a command that changes
// the machine; a lock another run holds is exit 1618.
func lock(s *state) (release func() error, err error) {
	release, err = orchestrator.AcquireLock(s.sd)
	if errors.Is(err, orchestrator.ErrBusy) {
		return nil, exitWith(ExitBusy, err)
	}
	return release, untrustedState(err)
}

// rollbackCommand is the exact command that rolls back run id.
func rollbackCommand(id string) string { return "wurepair rollback " + id + " --yes" }

// unfinishedLines says which runs need a rollback, and how.
func unfinishedLines(runs []orchestrator.RunSummary) []string {
	var out []string
	for _, r := range orchestrator.UnfinishedRuns(runs) {
		out = append(out, fmt.Sprintf("run %s (%s) is %s: the machine may be half-changed; run `%s`", r.ID,
			strings.Join(r.Plans, "+"), r.Outcome, rollbackCommand(r.ID)))
	}
	return out
}

// rejectedLines reports the runs whose journals are not acted on.
func rejectedLines(runs []orchestrator.RunSummary) []string {
	var out []string
	for _, r := range orchestrator.RejectedRuns(runs) {
		out = append(out, fmt.Sprintf("ignored run folder %s (%s): %s", printable(r.ID), r.Outcome, printable(r.Problems)))
	}
	return out
}

// workspace is what a command that talks to PowerShell holds.
type workspace struct {
	log      *logrus.Logger
	session  *ps.Session
	host     *orchestrator.Host
	facts    ps.HostFacts
	exe      string
	format   string
	closeLog func() error
	// overrides: what `repair --force` ran despite the loop guard (journaled).
	overrides []string
}

func (w *workspace) Close() {
	if w.session != nil {
		_ = w.session.Close()
	}
	if w.closeLog != nil {
		_ = w.closeLog()
	}
}

// open sets up logging, the output format and the PowerShell session.
func (d *deps) open(c *cli.Context) (*workspace, error) {
	format, err := outputFormat(c)
	if err != nil {
		return nil, err
	}
	log, closeLog, err := d.newLogger(c)
	if err != nil {
		return nil, err
	}
	w := &workspace{log: log, format: format, closeLog: closeLog}
	d.logStart(log, c) // evidence.go
	s, exe, err := d.openSession(c.Context, c)
	if err != nil {
		w.Close()
		return nil, err
	}
	w.session, w.exe, w.facts = s, exe, s.Facts()
	w.host = orchestrator.NewHost(s, d.catalog)
	w.host.OnCall = logCall(log, d.catalog)
	log.WithFields(logrus.Fields{"powershell": exe, "psVersion": w.facts.PSVersion, "osBuild": w.facts.OSBuild,
		"admin": w.facts.IsAdmin, "culture": w.facts.Culture}).Info("PowerShell session ready")
	return w, nil
}

// probe runs the probes and diagnoses. also names a plan repair was asked
// for by name: the files-in-use probe covers it even when the diagnosis
// does not justify it.
func (d *deps) probe(c *cli.Context, w *workspace, also ...string) (orchestrator.Facts, orchestrator.Diagnosis, error) {
	f, err := orchestrator.Probe(c.Context, w.host, w.facts)
	if err != nil {
		return f, orchestrator.Diagnosis{}, err
	}
	// wurepair's own past repairs: errors logged before one that fixed
	// them are not a reason to repair again (or Intune would remediate
	// forever). Only verified journals count; unreadable ones only cost
	// that refinement. Unfinished runs and rejected journals are findings.
	runs, err := d.stateRuns(c)
	if err != nil {
		w.log.WithError(err).Warn("past repairs not read: errors they fixed may be reported again")
	}
	f.Repairs = orchestrator.PastRepairs(runs)
	f.RepairSource = c.String("source") // repair's --source: the repair-source errors plan components only with one
	// Who holds files in the folders the justified plans rename (issue 20
	// item 4): asked once the facts above decide which plans those are.
	if err := orchestrator.ProbeHolders(c.Context, w.host, &f, also...); err != nil {
		return f, orchestrator.Diagnosis{}, err
	}
	diag := orchestrator.Diagnose(f)
	if err := d.applyLoopGuard(c, w, f, &diag); err != nil { // issue 18: loopguard.go
		return f, diag, err
	}
	diag.Findings = append(stateFindings(runs, err), diag.Findings...)
	return f, diag, nil
}

// stateRuns lists the runs for diagnosis (nil when there is no state
// directory yet).
func (d *deps) stateRuns(c *cli.Context) ([]orchestrator.RunSummary, error) {
	st, err := d.openState(c, false)
	if err != nil {
		return nil, err
	}
	return st.runsNow()
}

// Finding ids about wurepair's own state.
const (
	findingUnfinished = "unfinished-run"
	findingRejected   = "journal-rejected"
	findingUntrusted  = "state-untrusted"
)

// stateFindings: unfinished runs (an admin or a remediation must roll them
// back: detect exits 1), journals that fail verification, a state
// directory that fails the trust checks.
func stateFindings(runs []orchestrator.RunSummary, err error) []orchestrator.Finding {
	var out []orchestrator.Finding
	if errors.Is(err, orchestrator.ErrUntrusted) {
		out = append(out, orchestrator.Finding{ID: findingUntrusted, Severity: orchestrator.SevError,
			Title: "wurepair's state directory fails its trust checks: its journals are ignored", Evidence: []string{printable(err.Error())},
			Advice: "fix the state directory's owner and permissions (SYSTEM and Administrators only), or move it away"})
	}
	for _, r := range orchestrator.UnfinishedRuns(runs) {
		out = append(out, orchestrator.Finding{ID: findingUnfinished, Severity: orchestrator.SevError,
			Title:    fmt.Sprintf("wurepair run %s did not finish: the machine may be half-changed", r.ID),
			Evidence: []string{fmt.Sprintf("run %s (%s %s), started %s, outcome %s, %d change(s), %d undone", r.ID, r.Command, strings.Join(r.Plans, "+"), r.Started.Format(time.RFC3339), r.Outcome, r.Changes, r.Undone)},
			Advice:   "run `" + rollbackCommand(r.ID) + "`"})
	}
	if lines := rejectedLines(runs); len(lines) > 0 {
		out = append(out, orchestrator.Finding{ID: findingRejected, Severity: orchestrator.SevWarning,
			Title:    "journals that fail verification were ignored (not written by this machine's wurepair, edited, or from a newer version)",
			Evidence: lines, Advice: "inspect them with `wurepair runs list`; wurepair never acts on them"})
	}
	return out
}

// needsAttention: a finding about wurepair's state that needs an admin or
// a remediation (detect and diagnose exit 1 for it).
func needsAttention(diag orchestrator.Diagnosis) []orchestrator.Finding {
	var out []orchestrator.Finding
	for _, f := range diag.Findings {
		if f.ID == findingUnfinished {
			out = append(out, f)
		}
	}
	return out
}

func hostLine(f ps.HostFacts) string {
	elev := "not elevated"
	if f.IsAdmin {
		elev = "elevated"
	}
	arch := "x86"
	if f.Is64BitOS {
		arch = "x64"
	}
	return fmt.Sprintf("Windows %s build %d.%d (%s, %s), PowerShell %s, %s, culture %s",
		f.OSVersion, f.OSBuild, f.OSUBR, f.InstallationType, arch, f.PSVersion, elev, f.Culture)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

func indent(lines []string, prefix string) string {
	if len(lines) == 0 {
		return ""
	}
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}
