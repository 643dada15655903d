// Package app is wurepair's command line: one file per command, one exit
// code table (exitcodes.go). New builds the urfave/cli app so tests can run
// it in-process; Run is what main calls.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/scripts"
)

// Env is everything the app takes from the outside world: tests replace it.
type Env struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Version string
	// IsTerminal reports whether a person can answer a prompt on Stdin.
	IsTerminal func() bool
}

func (e *Env) fill() {
	if e.Stdin == nil {
		e.Stdin = strings.NewReader("")
	}
	if e.Stdout == nil {
		e.Stdout = io.Discard
	}
	if e.Stderr == nil {
		e.Stderr = io.Discard
	}
	if e.Getenv == nil {
		e.Getenv = func(string) string { return "" }
	}
	if e.Version == "" {
		e.Version = "dev"
	}
	if e.IsTerminal == nil {
		e.IsTerminal = func() bool { return false }
	}
}

// deps is what every command shares; built once per app.
type deps struct {
	env     Env
	catalog *scripts.Catalog
}

// New returns the wurepair CLI app.
func New(env Env) *cli.App {
	env.fill()
	d := &deps{env: env, catalog: scripts.MustLoad()}
	app := &cli.App{
		Name:      "wurepair",
		Usage:     "diagnose and repair Windows Update, safely",
		Version:   env.Version,
		Reader:    env.Stdin,
		Writer:    env.Stdout,
		ErrWriter: env.Stderr,
		Description: "wurepair drives one Windows PowerShell session running embedded, reviewable scripts\n" +
			"(see `wurepair scripts list`). It diagnoses before it repairs, backs up instead of deleting,\n" +
			"journals every change and rolls back what failed.\n\n" + exitCodesHelp,
		HideVersion:          false, // `wurepair --version`; `wurepair version` says more (cmd_version.go)
		EnableBashCompletion: false,
		Commands: []*cli.Command{
			d.cmdDiagnose(),
			d.cmdRepair(),
			d.cmdRollback(),
			d.cmdRuns(),
			d.cmdDetect(),
			d.cmdBackups(),
			d.cmdScripts(),
			d.cmdSelftest(),
			d.cmdVersion(),
			d.cmdExport(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // we choose exit codes, not cli
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return &usageError{err: err}
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(env.Stderr, "wurepair: unknown command %q; see `wurepair --help`\n", name)
		},
	}
	for _, c := range app.Commands {
		setUsageError(c)
	}
	return app
}

func setUsageError(c *cli.Command) {
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return &usageError{err: err} }
	for _, sub := range c.Subcommands {
		setUsageError(sub)
	}
}

// Run runs the app with args (args[0] is the program name) and returns the
// process exit code. Errors are printed to env.Stderr.
func Run(ctx context.Context, args []string, env Env) int {
	env.fill()
	app := New(env)
	unknown := false
	notFound := app.CommandNotFound
	app.CommandNotFound = func(c *cli.Context, name string) {
		unknown = true
		notFound(c, name)
	}
	err := app.RunContext(ctx, permute(app, args))
	if unknown && err == nil {
		return ExitUsage
	}
	if err != nil {
		printError(env.Stderr, err)
	}
	return exitCode(err)
}

func printError(w io.Writer, err error) {
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "wurepair: %v\nRun `wurepair --help` for usage.\n", ue.err)
		return
	}
	var ee *ExitError
	if errors.As(err, &ee) && ee.Err == nil {
		return // the command already said what it had to say
	}
	fmt.Fprintf(w, "wurepair: %v\n", err)
}

// osGetenv is the real environment, for main.
func osGetenv(k string) string { return os.Getenv(k) }

// OSEnv is the Env of the real process.
func OSEnv(version string) Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: osGetenv, Version: version, IsTerminal: stdinIsTerminal}
}
