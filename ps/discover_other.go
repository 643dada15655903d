//go:build !windows

package ps

import "fmt"

// defaultPowerShell: off Windows there is no Windows PowerShell; wurepair
// runs only against a host named explicitly (a simulated one in tests).
func defaultPowerShell(func(string) string, func(string) (string, error)) (string, error) {
	return "", fmt.Errorf("%w: not on Windows; name a host with --powershell PATH or %s, or use --pwsh", ErrNotFound, EnvVar)
}

// nativeExe: only Windows redirects System32 for 32-bit processes.
func nativeExe(p string) string { return p }
