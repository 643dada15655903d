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
	return &cli.StringFlag{Name: "state-dir", Usage: "journals, the run lock and logs\\ live here (default: %ProgramData%\\wurepair on Windows, /var/lib/wurepair elsewhere; $WUREPAIR_STATE_DIR overrides)"}
}

func (d *deps) stateDir(c *cli.Context) (string, error) {
	if v := c.String("state-dir"); v != "" {
		return v, nil
	}
	if v := d.env.Getenv("WUREPAIR_STATE_DIR"); v != "" {
		return v, nil
	}
	if runtime.GOOS == "windows" {
		pd := d.env.Getenv("ProgramData")
		if pd == "" {
			return "", usagef("%%ProgramData%% is not set; pass --state-dir")
		}
		return filepath.Join(pd, "wurepair"), nil
	}
	return "/var/lib/wurepair", nil
}

// lock takes the state directory's run lock for a command that changes
// the machine; a lock another run holds is exit 1618.
func lock(stateDir string) (release func() error, err error) {
	release, err = orchestrator.AcquireLock(stateDir)
	if errors.Is(err, orchestrator.ErrBusy) {
		return nil, exitWith(ExitBusy, err)
	}
	return release, err
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

func (d *deps) probe(c *cli.Context, w *workspace) (orchestrator.Facts, orchestrator.Diagnosis, error) {
	f, err := orchestrator.Probe(c.Context, w.host, w.facts)
	if err != nil {
		return f, orchestrator.Diagnosis{}, err
	}
	// wurepair's own past repairs: errors logged before one that fixed
	// them are not a reason to repair again (or Intune would remediate
	// forever). Unreadable journals only cost that refinement.
	stateDir, err := d.stateDir(c)
	if err == nil {
		var runs []orchestrator.RunSummary
		if runs, err = orchestrator.ListRuns(stateDir); err == nil {
			f.Repairs = orchestrator.PastRepairs(runs)
		}
	}
	if err != nil {
		w.log.WithError(err).Warn("past repairs not read: errors they fixed may be reported again")
	}
	return f, orchestrator.Diagnose(f), nil
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
