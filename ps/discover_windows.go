//go:build windows

package ps

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// windowsDir is the Windows directory as the OS reports it, never
// %SystemRoot% (a variable anyone who starts wurepair can set).
func windowsDir() (string, error) {
	d, err := windows.GetSystemWindowsDirectory()
	if err != nil {
		return "", fmt.Errorf("%w: cannot ask Windows for its directory: %w", ErrNotFound, err)
	}
	return d, nil
}

func isWow64() bool {
	var wow64 bool
	return windows.IsWow64Process(windows.CurrentProcess(), &wow64) == nil && wow64
}

// nativeExe makes a 32-bit wurepair on 64-bit Windows start the 64-bit
// PowerShell even when the path it was given says System32.
func nativeExe(p string) string {
	d, err := windowsDir()
	if err != nil {
		return p
	}
	return sysnativePath(d, p, isWow64())
}

// defaultPowerShell is Windows PowerShell 5.1 from the OS directory: the
// 64-bit one even when wurepair runs as a 32-bit process on 64-bit Windows
// (through Sysnative), never the WOW64 copy.
func defaultPowerShell(func(string) string, func(string) (string, error)) (string, error) {
	root, err := windowsDir()
	if err != nil {
		return "", err
	}
	p := nativeExe(filepath.Join(root, `System32\WindowsPowerShell\v1.0\powershell.exe`))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: %s: %w (pass --powershell PATH)", ErrNotFound, p, err)
	}
	return p, nil
}
