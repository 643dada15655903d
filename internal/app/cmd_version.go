package app

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"
)

func (d *deps) cmdVersion() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprintf(d.env.Stdout, "wurepair %s (%s/%s, %s)\n", d.env.Version, runtime.GOOS, runtime.GOARCH, runtime.Version())
			return err
		},
	}
}
