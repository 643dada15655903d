package ps

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// Locator says where to look for PowerShell. Explicit beats environment
// beats the platform default. Every path it returns is absolute: an
// explicit path (--powershell, WUREPAIR_POWERSHELL) is taken as given,
// relative to the working directory, and never looked up on PATH (a PATH
// entry a standard user can write must not pick the binary wurepair runs
// as SYSTEM); only --pwsh searches PATH, and refuses a match that PATH
// found relative to the working directory.
type Locator struct {
	Path string // --powershell
	Pwsh bool   // --pwsh: use PowerShell 7 (pwsh) instead of Windows PowerShell
	// Getenv, LookPath and Stat are seams for tests; nil means the real ones.
	Getenv   func(string) string
	LookPath func(string) (string, error)
	Stat     func(string) (fs.FileInfo, error)
}

// EnvVar names the environment variable that points at PowerShell.
const EnvVar = "WUREPAIR_POWERSHELL"

// Find returns the absolute path of the PowerShell executable to run, or
// an error matching ErrNotFound that says what to do.
func (l Locator) Find() (string, error) {
	getenv, look, stat := l.Getenv, l.LookPath, l.Stat
	if getenv == nil {
		getenv = os.Getenv
	}
	if look == nil {
		look = exec.LookPath
	}
	if stat == nil {
		stat = os.Stat
	}
	explicit, from := l.Path, "--powershell"
	if explicit == "" {
		explicit, from = getenv(EnvVar), EnvVar
	}
	if explicit != "" {
		p, err := filepath.Abs(explicit)
		if err == nil {
			err = isFile(stat, p)
		}
		if err != nil {
			return "", fmt.Errorf("%w: %s \"%s\": %w", ErrNotFound, from, explicit, err)
		}
		return nativeExe(p), nil
	}
	if l.Pwsh {
		p, err := look("pwsh")
		if errors.Is(err, exec.ErrDot) {
			return "", fmt.Errorf("%w: --pwsh: PATH finds pwsh only relative to the working directory (%s); give its absolute path with --powershell", ErrNotFound, p)
		}
		if err != nil {
			return "", fmt.Errorf("%w: --pwsh given but pwsh is not on PATH: %w", ErrNotFound, err)
		}
		if !filepath.IsAbs(p) {
			return "", fmt.Errorf("%w: --pwsh: PATH gives a relative path for pwsh (%s); give its absolute path with --powershell", ErrNotFound, p)
		}
		return filepath.Clean(p), nil
	}
	return defaultPowerShell(getenv, look)
}

func isFile(stat func(string) (fs.FileInfo, error), p string) error {
	fi, err := stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a directory", p)
	}
	return nil
}

// Args are the flags every host is started with.
func Args() []string {
	return []string{"-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", "-"}
}
