//go:build windows

package app

import "golang.org/x/sys/windows"

// processElevated reports whether wurepair runs with an elevated token:
// SYSTEM (Intune, ConfigMgr) or an administrator's elevated process. Its
// environment may then come from the same user's unelevated processes
// (HKCU\Environment, a parent shell), so environment.go ignores the
// test-only variables.
func processElevated() bool { return windows.GetCurrentProcessToken().IsElevated() }

// knownProgramData is the ProgramData folder as Windows registers it
// (SHGetKnownFolderPath, FOLDERID_ProgramData:
// https://learn.microsoft.com/en-us/windows/win32/shell/knownfolderid),
// never the %ProgramData% variable of whoever started wurepair. The state
// directory made there must still pass its trust checks (statedir.go).
func knownProgramData() (string, error) {
	return windows.KnownFolderPath(windows.FOLDERID_ProgramData, windows.KF_FLAG_DEFAULT)
}

// processIdentity is the account and computer wurepair runs as, from its
// token and the OS (journaled in run-start), not from %USERNAME%,
// %USERDOMAIN% and %COMPUTERNAME%, which whoever starts wurepair can set.
func processIdentity() (user, machine string, err error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", "", err
	}
	account, domain, _, err := tu.User.Sid.LookupAccount("")
	if err != nil {
		return "", "", err
	}
	if machine, err = windows.ComputerName(); err != nil {
		return "", "", err
	}
	return domain + `\` + account, machine, nil
}
