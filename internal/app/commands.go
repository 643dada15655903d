package app

import (
	"errors"
	"strings"

	"github.com/urfave/cli/v2"
)

// commandError records which command (its full name, "wurepair runs
// show") a usage error came from, so the message points to that
// command's help and not the top-level one.
type commandError struct {
	cmd string
	err error
}

func (e *commandError) Error() string { return e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }

// guardCommand makes c and its subcommands strict and self-describing:
// flag errors and usage errors name the command; more positional
// arguments than its ArgsUsage declares are refused (never silently
// ignored); a parent command given an unknown subcommand says so.
func guardCommand(parent string, c *cli.Command) {
	path := parent + " " + c.Name
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return &commandError{cmd: path, err: &usageError{err: err}}
	}
	for _, sub := range c.Subcommands {
		guardCommand(path, sub)
	}
	if c.Action == nil && len(c.Subcommands) > 0 {
		c.Action = func(ctx *cli.Context) error {
			if ctx.NArg() > 0 {
				return &commandError{cmd: path, err: usagef("unknown command %q", ctx.Args().First())}
			}
			return cli.ShowSubcommandHelp(ctx)
		}
		return
	}
	if c.Action == nil {
		return
	}
	action, max := c.Action, maxArgs(c.ArgsUsage)
	c.Action = func(ctx *cli.Context) error {
		if ctx.NArg() > max {
			return &commandError{cmd: path, err: usagef("unexpected argument %q: %s", ctx.Args().Get(max), takes(c.ArgsUsage))}
		}
		err := action(ctx)
		var ue *usageError
		if errors.As(err, &ue) {
			var ce *commandError
			if !errors.As(err, &ce) {
				err = &commandError{cmd: path, err: err}
			}
		}
		return err
	}
}

// maxArgs counts the positional arguments an ArgsUsage such as "[PLAN]"
// or "RUN-ID" declares; "..." means any number.
func maxArgs(usage string) int {
	if strings.Contains(usage, "...") {
		return int(^uint(0) >> 1)
	}
	return len(strings.Fields(usage))
}

func takes(usage string) string {
	if usage == "" {
		return "this command takes no arguments"
	}
	return "this command takes " + usage
}

// helpAsFlag turns `wurepair help runs show` into `wurepair runs show
// --help`: urfave/cli's help command shows a parent command's help
// without its subcommands and cannot reach a subcommand's help at all.
func helpAsFlag(args []string) []string {
	if len(args) < 2 || (args[1] != "help" && args[1] != "h") {
		return args
	}
	out := append([]string{args[0]}, args[2:]...)
	return append(out, "--help")
}

// oneLine keeps a message on one line: a multi-line error (errors.Join,
// a stderr tail ending in a newline) would otherwise be cut mid-sentence
// on the console and in one-line log formats.
func oneLine(s string) string {
	lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	var b strings.Builder
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
			continue
		case b.Len() == 0:
		case strings.HasPrefix(l, ";"), strings.HasPrefix(l, ","), strings.HasPrefix(l, ")"):
		default:
			b.WriteString(" | ")
		}
		b.WriteString(l)
	}
	return b.String()
}

// orUnknown names a missing value instead of printing an empty one.
func orUnknown(v, what string) string {
	if v == "" {
		return "(unknown " + what + ")"
	}
	return v
}
