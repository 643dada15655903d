package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"
	"github.com/wurepair/wurepair/ps"
)

// sessionFlags are shared by every command that talks to PowerShell.
func sessionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "powershell", Usage: "run this PowerShell `PATH` (default: Windows PowerShell 5.1 from System32, or $" + ps.EnvVar + ")"},
		&cli.BoolFlag{Name: "pwsh", Usage: "use PowerShell 7 (pwsh) from PATH instead of Windows PowerShell 5.1"},
	}
}

// openSession finds PowerShell and starts the session, turning failures
// into messages that say what to do.
func (d *deps) openSession(ctx context.Context, c *cli.Context) (*ps.Session, string, error) {
	loc := ps.Locator{Path: c.String("powershell"), Pwsh: c.Bool("pwsh"), Getenv: d.env.Getenv}
	exe, err := loc.Find()
	if err != nil {
		return nil, "", exitWith(ExitHost, fmt.Errorf("cannot find PowerShell: %w", err))
	}
	s, err := ps.New(ps.Options{Exe: exe, Bootstrap: d.catalog.Bootstrap().Text})
	if err != nil {
		return nil, exe, exitWith(ExitHost, err)
	}
	if _, err := s.Start(ctx); err != nil {
		_ = s.Close()
		return nil, exe, exitWith(ExitHost, hostProblem(exe, err))
	}
	return s, exe, nil
}

// hostProblem explains a PowerShell that cannot be used.
func hostProblem(exe string, err error) error {
	var hd *ps.HostDiedError
	switch {
	case errors.Is(err, ps.ErrNotFound):
		return fmt.Errorf("PowerShell not found at %s: %w", exe, err)
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
