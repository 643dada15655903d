package app

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// permute moves flags that follow positional arguments in front of them,
// so `wurepair repair auto --dry-run` works as admins type it: urfave/cli
// v2 stops parsing flags at the first positional argument and would take
// --dry-run for a second plan name. The command's own flag definitions say
// which flags take a value. Everything after "--" stays positional.
func permute(app *cli.App, args []string) []string {
	if len(args) == 0 {
		return args
	}
	out := []string{args[0]}
	cmds, flags := app.Commands, app.Flags
	i := 1
	for ; i < len(args); i++ {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		out = append(out, args[i])
		cmds, flags = c.Subcommands, c.Flags
	}
	rest := args[i:]
	var fl, pos, tail []string
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		if a == "--" {
			tail = rest[j:]
			break
		}
		if len(a) > 1 && strings.HasPrefix(a, "-") && !negativeNumber(a) {
			fl = append(fl, a)
			if !strings.Contains(a, "=") && takesValue(flags, a) && j+1 < len(rest) {
				fl = append(fl, rest[j+1])
				j++
			}
			continue
		}
		pos = append(pos, a)
	}
	out = append(out, fl...)
	// A negative number (explain -2145107924) is an argument, not a flag:
	// "--" keeps the flag parser from reading it as one.
	if len(tail) == 0 && len(pos) > 0 && negativeNumber(pos[0]) {
		out = append(out, "--")
	}
	out = append(out, pos...)
	return append(out, tail...)
}

// negativeNumber reports "-" followed by a digit: no flag starts so.
func negativeNumber(a string) bool { return len(a) > 1 && a[0] == '-' && a[1] >= '0' && a[1] <= '9' }

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.Name == name {
			return c
		}
		for _, a := range c.Aliases {
			if a == name {
				return c
			}
		}
	}
	return nil
}

func takesValue(flags []cli.Flag, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	for _, f := range flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			_, isBool := f.(*cli.BoolFlag)
			return !isBool
		}
	}
	return false // unknown: cli reports it
}
