package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/ps"
)

// sessionFlags are shared by every command that talks to PowerShell.
func sessionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "powershell", Usage: "run this PowerShell `PATH`, relative to the working directory, never looked up on PATH " +
			"(default: Windows PowerShell 5.1 from System32, or $" + ps.EnvVar + ", when elevated only with --" + trustEnvFlag + ")"},
		&cli.BoolFlag{Name: "pwsh", Usage: "use PowerShell 7 (pwsh) from PATH instead of Windows PowerShell 5.1"},
		deliveryFlag(),
		trustEnv(),
		&cli.GenericFlag{Name: "startup-timeout", Value: &durationValue{d: 3 * time.Minute}, Usage: "how long PowerShell may take to start and answer its first line (`DURATION`; raise it where .NET servicing makes a cold start slow)"},
	}
}

// openSession finds PowerShell and starts the session, turning failures
// into messages that say what to do.
func (d *deps) openSession(ctx context.Context, c *cli.Context) (*ps.Session, string, error) {
	path, err := explicitPath(c.String("powershell"))
	if err != nil {
		return nil, "", exitWith(ExitHost, err)
	}
	loc := ps.Locator{Path: path, Pwsh: c.Bool("pwsh"), Getenv: d.getenv(c)}
	exe, err := loc.Find()
	if err != nil {
		return nil, "", exitWith(ExitHost, err) // ps.ErrNotFound's text already says what is missing
	}
	opts := ps.Options{Exe: exe, Bootstrap: d.catalog.Bootstrap().Text}
	if v, ok := c.Generic("startup-timeout").(*durationValue); ok && c.IsSet("startup-timeout") {
		t := v.d
		if t < time.Second || t > time.Hour {
			return nil, exe, usagef("--startup-timeout %s: want 1s to 1h", t)
		}
		opts.ProcessStartTimeout = t
	}
	switch c.String("bootstrap-delivery") {
	case deliveryCommand, "":
	case deliveryFile:
		if opts.BootstrapFile, err = d.bootstrapFile(c, opts.Bootstrap); err != nil {
			return nil, exe, err
		}
	default:
		return nil, exe, usagef("--bootstrap-delivery: want %s or %s", deliveryCommand, deliveryFile)
	}
	s, err := ps.New(opts)
	if err != nil {
		return nil, exe, exitWith(ExitHost, err)
	}
	facts, err := s.Start(ctx)
	if err == nil {
		// A WOW64 host would read the 32-bit registry view and cannot run DISM.
		err = ps.CheckBitness(facts)
	}
	if err == nil {
		// WDAC/AppLocker enforcement, a Group Policy execution policy.
		err = ps.CheckPolicy(facts)
	}
	if err != nil {
		_ = s.Close()
		return nil, exe, exitWith(ExitHost, hostProblem(exe, err))
	}
	return s, exe, nil
}

// explicitPath makes a --powershell value that names a directory
// ("./fakehost", `bin\powershell.exe`) absolute from the working
// directory, so it is never looked up on PATH (filepath.Clean would turn
// "./fakehost" into "fakehost", which exec then searches for on PATH). A
// bare name ("pwsh") is left as it is: ps.Locator makes it absolute from
// the working directory too (filepath.Abs), so --powershell is never
// looked up on PATH; only --pwsh searches PATH.
func explicitPath(p string) (string, error) {
	if p == "" || filepath.IsAbs(p) || !strings.ContainsAny(p, pathSeparators) {
		return p, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%w: --powershell %q: %w", ps.ErrNotFound, p, err)
	}
	return abs, nil
}

// pathSeparators are the characters that make a name a path.
const pathSeparators = "/" + string(filepath.Separator)

// hostProblem explains a PowerShell that cannot be used.
func hostProblem(exe string, err error) error {
	var hd *ps.HostDiedError
	switch {
	case errors.Is(err, ps.ErrNotFound):
		return err // it names the executable; a prefix would only repeat it
	case errors.Is(err, ps.ErrConstrainedLanguage):
		return fmt.Errorf("PowerShell at %s: %w", exe, err)
	case errors.As(err, &hd):
		return fmt.Errorf("PowerShell at %s is not usable: it exited (code %d) before completing the wurepair handshake; "+
			"check that Windows PowerShell 5.1 works on this machine, or pass --powershell PATH: %w", exe, hd.ExitCode, err)
	case errors.Is(err, ps.ErrNoReply):
		return fmt.Errorf("PowerShell at %s could not run the wurepair bootstrap: %w", exe, err)
	case errors.Is(err, ps.ErrTimeout):
		return fmt.Errorf("PowerShell at %s did not complete the wurepair handshake in time: %w", exe, err)
	}
	return fmt.Errorf("PowerShell at %s: %w", exe, err)
}
