//go:build windows

package ps

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// defaultPowerShell is Windows PowerShell 5.1 from the OS directory: the
// 64-bit one even when wurepair runs as a 32-bit process on 64-bit Windows
// (through Sysnative), never the WOW64 copy. The Windows folder comes from
// the OS (GetSystemWindowsDirectory), not from %SystemRoot%, which whoever
// started wurepair can set.
func defaultPowerShell(func(string) string, func(string) (string, error)) (string, error) {
	root, err := windows.GetSystemWindowsDirectory()
	if err != nil {
		return "", fmt.Errorf("%w: cannot ask Windows for its folder: %w (pass --powershell PATH)", ErrNotFound, err)
	}
	dir := "System32"
	var wow64 bool
	if err := windows.IsWow64Process(windows.CurrentProcess(), &wow64); err == nil && wow64 {
		dir = "Sysnative"
	}
	p := filepath.Join(root, dir, `WindowsPowerShell\v1.0\powershell.exe`)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: %s: %w (pass --powershell PATH)", ErrNotFound, p, err)
	}
	return p, nil
}
