package app

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/ps"
)

// The variables wurepair takes from its environment only to be pointed at
// a simulated machine (tests, demos): which PowerShell to run and where
// its state lives.
var testEnvVars = []string{ps.EnvVar, envStateDir}

const envStateDir = "WUREPAIR_STATE_DIR"

// trustEnvFlag opts in to the test variables although elevated.
const trustEnvFlag = "trust-env"

func trustEnv() cli.Flag {
	return &cli.BoolFlag{Name: trustEnvFlag, Usage: "honour $" + ps.EnvVar + " and $" + envStateDir + " although elevated " +
		"(test machines only: an elevated process's environment can be set by the same user's unelevated processes)"}
}

// getenv is the environment as wurepair may use it. An elevated wurepair
// (Windows: SYSTEM, or an administrator's elevated process: Env.Elevated)
// ignores the test-only variables unless --trust-env says otherwise: an
// elevated admin's environment can be set by their unelevated processes
// (setx, HKCU\Environment), and these would choose the program wurepair
// runs as SYSTEM and the state it trusts. Each ignored variable is named
// on stderr once. Only Windows elevation counts (elevation_other.go):
// on Linux, the simulated machine, the tests run as root with these
// variables, and nothing there is a production machine.
func (d *deps) getenv(c *cli.Context) func(string) string {
	if !d.env.Elevated() || c.Bool(trustEnvFlag) {
		return d.env.Getenv
	}
	return func(k string) string {
		v := d.env.Getenv(k)
		for _, t := range testEnvVars {
			if k == t && v != "" {
				if !d.envWarned[k] {
					if d.envWarned == nil {
						d.envWarned = map[string]bool{}
					}
					d.envWarned[k] = true
					fmt.Fprintf(d.env.Stderr, "wurepair: warning: ignoring $%s: wurepair runs elevated, and an elevated process's "+
						"environment can be set by unelevated ones (pass --%s on a test machine)\n", k, trustEnvFlag)
				}
				return ""
			}
		}
		return v
	}
}
