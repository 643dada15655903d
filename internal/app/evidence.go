package app

import (
	"fmt"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/orchestrator"
)

// Evidence in the log (issue 18): Intune's "Collect diagnostics" and
// ConfigMgr admins read the CMTrace log, so it says why, not only what:
// a start line, one line per finding with its evidence, the changes and
// the exit code.

// logStart is the first line of a command in the log: version,
// arguments and the account it runs as.
func (d *deps) logStart(log logrus.FieldLogger, c *cli.Context) {
	args := append([]string{c.Command.FullName()}, c.Args().Slice()...)
	for _, n := range c.LocalFlagNames() { // flag values: Value needs a flag.Getter, every wurepair flag is one
		if c.IsSet(n) {
			args = append(args, fmt.Sprintf("--%s=%v", n, c.Value(n)))
		}
	}
	log.WithFields(logrus.Fields{"version": d.env.Version, "args": strings.Join(args, " "), "account": d.account()}).
		Infof("wurepair %s started: %s (account %s)", d.env.Version, strings.Join(args, " "), d.account())
}

// account is who runs wurepair, as the environment names it (for the
// log only: nothing is decided on it).
func (d *deps) account() string {
	user := d.env.Getenv("USERNAME")
	if dom := d.env.Getenv("USERDOMAIN"); dom != "" && user != "" {
		user = dom + `\` + user
	}
	if user == "" {
		user = d.env.Getenv("USER")
	}
	if user == "" {
		user = "unknown"
	}
	return printable(user)
}

// logFindings writes one line per finding with its evidence.
func logFindings(log logrus.FieldLogger, diag orchestrator.Diagnosis) {
	for _, f := range diag.Findings {
		entry := log.WithFields(logrus.Fields{"finding": f.ID, "severity": string(f.Severity), "plan": f.Plan})
		msg := "finding " + f.ID + ": " + f.Title + "; evidence: " + strings.Join(f.Evidence, " | ")
		if f.Advice != "" {
			msg += "; advice: " + f.Advice
		}
		// Info, whatever the severity: the log file keeps it, stderr (which
		// a deployment agent shows as a script error) does not.
		entry.Info(printable(msg))
	}
}
