package app

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// cmdEventSource: `wurepair eventsource install|remove`, run by the
// generated install and uninstall scripts (issue 18), so the Application
// log source exists from the install on and goes with the uninstall.
// Hidden: it is the packages' plumbing, not an admin's command.
func (d *deps) cmdEventSource() *cli.Command {
	sub := func(name, usage string, do func() error) *cli.Command {
		return &cli.Command{Name: name, Usage: usage, Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("eventsource %s takes no arguments", name)
			}
			if err := do(); err != nil {
				return err
			}
			fmt.Fprintf(d.env.Stdout, "event source %q: %s\n", EventSource, name+" done")
			return nil
		}}
	}
	return &cli.Command{
		Name:   "eventsource",
		Usage:  "register or remove the Application log source (the install and uninstall scripts run this)",
		Hidden: true,
		Subcommands: []*cli.Command{
			sub("install", "register the source (elevated)", registerEventSource),
			sub("remove", "remove the source (elevated)", removeEventSource),
		},
	}
}
