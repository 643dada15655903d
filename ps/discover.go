package ps

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Locator says where to look for PowerShell. Explicit beats environment
// beats the platform default.
type Locator struct {
	Path string // --powershell
	Pwsh bool   // --pwsh: use PowerShell 7 (pwsh) instead of Windows PowerShell
	// Getenv and LookPath are seams for tests; nil means the real ones.
	Getenv   func(string) string
	LookPath func(string) (string, error)
}

// EnvVar names the environment variable that points at PowerShell.
const EnvVar = "WUREPAIR_POWERSHELL"

// Find returns the PowerShell executable to run, or an error matching
// ErrNotFound that says what to do.
func (l Locator) Find() (string, error) {
	getenv, look := l.Getenv, l.LookPath
	if getenv == nil {
		getenv = os.Getenv
	}
	if look == nil {
		look = exec.LookPath
	}
	explicit, from := l.Path, "--powershell"
	if explicit == "" {
		explicit, from = getenv(EnvVar), EnvVar
	}
	if explicit != "" {
		p, err := look(explicit)
		if err != nil {
			return "", fmt.Errorf("%w: %s \"%s\": %w", ErrNotFound, from, explicit, err)
		}
		return nativeExe(filepath.Clean(p)), nil
	}
	if l.Pwsh {
		p, err := look("pwsh")
		if err != nil {
			return "", fmt.Errorf("%w: --pwsh given but pwsh is not on PATH: %w", ErrNotFound, err)
		}
		return p, nil
	}
	return defaultPowerShell(getenv, look)
}

// Args are the flags every host is started with.
func Args() []string {
	return []string{"-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", "-"}
}
