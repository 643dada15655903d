//go:build !windows

package app

import "errors"

// processElevated: only Windows elevation counts. Elsewhere wurepair runs
// against the simulated machine only (tests, demos, often as root), where
// the test variables are what points it at the fake host.
func processElevated() bool { return false }

// knownProgramData exists on Windows only.
func knownProgramData() (string, error) {
	return "", errors.New("there is no ProgramData folder off Windows")
}

// processIdentity: off Windows the environment's USER and the host name
// are used (the simulated machine only).
func processIdentity() (string, string, error) {
	return "", "", errors.New("no token identity off Windows")
}
