//go:build !windows

// Command svcstub is a Windows service (main_windows.go); elsewhere it only
// says so.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "svcstub: a Windows service; build it with GOOS=windows")
	os.Exit(2)
}
