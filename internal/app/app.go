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
	// EventLog opens the audit sink (the Windows Application log).
	EventLog EventLogOpener
	// Elevated reports whether wurepair runs elevated (Windows: SYSTEM or
	// an elevated administrator); nil: not elevated (environment.go).
	Elevated func() bool
	// ProgramData is the ProgramData folder from the OS (Windows:
	// the known-folder API, never %ProgramData%); nil: none.
	ProgramData func() (string, error)
	// Identity is the account and computer from the OS (Windows: the
	// process token); nil or an error: the environment's names are used.
	Identity func() (user, machine string, err error)
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
	// Text from the machine never drives the terminal (output.go).
	e.Stdout, e.Stderr = safeTerminal(e.Stdout), safeTerminal(e.Stderr)
	if e.Getenv == nil {
		e.Getenv = func(string) string { return "" }
	}
	if e.Version == "" {
		e.Version = "dev"
	}
	if e.IsTerminal == nil {
		e.IsTerminal = func() bool { return false }
	}
	if e.EventLog == nil {
		e.EventLog = openNoEventLog
	}
	if e.Elevated == nil {
		e.Elevated = func() bool { return false }
	}
	if e.ProgramData == nil {
		e.ProgramData = func() (string, error) { return "", errors.New("no ProgramData folder known") }
	}
}

// filesHelp says where wurepair keeps what it records.
const filesHelp = `FILES AND AUDIT TRAIL:
   state directory   %ProgramData%\wurepair on Windows, /var/lib/wurepair elsewhere (--state-dir, $WUREPAIR_STATE_DIR)
   runs\<id>\journal.jsonl  every change and its prior state (wurepair runs list, wurepair runs show <id>)
   logs\wurepair.log  the log, CMTrace format, rotated at 5 MiB with 5 old files kept (--log-file, --log-level)
   Event Log         Windows Application log, source "wurepair"; each message names the run id and journal:`

// deps is what every command shares; built once per app.
type deps struct {
	env     Env
	catalog *scripts.Catalog
	// eventLogWarned: the Event Log's opening warning is given once.
	eventLogWarned bool
	// envWarned: the environment variables already named as ignored.
	envWarned map[string]bool
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
			"journals every change and rolls back what failed.\n\n" + exitCodesHelp + "\n\n" + filesHelp + eventsHelp(),
		HideVersion:          false, // `wurepair --version`; `wurepair version` says more (cmd_version.go)
		EnableBashCompletion: false,
		Commands: []*cli.Command{
			d.cmdDiagnose(),
			d.cmdExplain(),
			d.cmdRepair(),
			d.cmdRollback(),
			d.cmdRuns(),
			d.cmdDetect(),
			d.cmdBackups(),
			d.cmdScripts(),
			d.cmdSelftest(),
			d.cmdVersion(),
			d.cmdExport(),
			d.cmdEventSource(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // we choose exit codes, not cli
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return &usageError{err: err}
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(env.Stderr, "wurepair: unknown command %q (see `wurepair --help`)\n", name)
		},
	}
	for _, c := range app.Commands {
		guardCommand("wurepair", c)
	}
	return app
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
	err := app.RunContext(ctx, permute(app, helpAsFlag(args)))
	if unknown && err == nil {
		return ExitUsage
	}
	if err != nil {
		printError(env.Stderr, err)
	}
	return exitCode(err)
}

// printError prints err as one line (see oneLine). A usage error names
// the command it came from and points to that command's help.
func printError(w io.Writer, err error) {
	var ue *usageError
	if errors.As(err, &ue) {
		cmd := "wurepair"
		var ce *commandError
		if errors.As(err, &ce) {
			cmd = ce.cmd
		}
		msg := oneLine(ue.err.Error())
		if !strings.Contains(msg, "(see `") { // one pointer is enough: the message's own is more precise
			msg += fmt.Sprintf(" (see `%s --help`)", cmd)
		}
		fmt.Fprintf(w, "%s: %s\n", cmd, msg)
		return
	}
	var ee *ExitError
	if errors.As(err, &ee) && ee.Err == nil {
		return // the command already said what it had to say
	}
	fmt.Fprintf(w, "wurepair: %s\n", oneLine(err.Error()))
}

// osGetenv is the real environment, for main.
func osGetenv(k string) string { return os.Getenv(k) }

// OSEnv is the Env of the real process.
func OSEnv(version string) Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: osGetenv, Version: version, IsTerminal: stdinIsTerminal,
		EventLog: openEventLog, Elevated: processElevated, ProgramData: knownProgramData,
		Identity: processIdentity}
}
