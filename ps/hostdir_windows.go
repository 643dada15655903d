//go:build windows

package ps

import "golang.org/x/sys/windows"

// hostDir is the host's working directory: System32, from the OS. Started
// in wurepair's own working directory (anywhere a user can write), a
// script's relative path or a DLL search could land in a hostile folder.
func hostDir() (string, error) { return windows.GetSystemDirectory() }
