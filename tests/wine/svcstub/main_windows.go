// Command svcstub is a test-only Windows service for tests/wine/stack.sh: it
// stands in for the services Wine lacks (CryptSvc, UsoSvc, DoSvc, AppIDSvc,
// TrustedInstaller), created under their real names and dependencies with
// sc.exe, so that wurepair stops, starts and reconfigures real services of
// Wine's Service Control Manager.
//
//	svcstub.exe -name NAME [-hold FILE]
//
// With -hold it creates FILE (and its folder) and keeps it open without
// FILE_SHARE_DELETE while it runs, as CryptSvc keeps catroot2's database
// open: the folder cannot be renamed until the service stops. It closes the
// file when the SCM stops it.
//
// Not part of the product; built only by the Wine suite.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
)

type stub struct{ hold string }

func (s stub) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	var held windows.Handle
	if s.hold != "" {
		h, err := holdFile(s.hold)
		if err != nil {
			fmt.Fprintf(os.Stderr, "svcstub: %v\n", err)
			return true, 1
		}
		held = h
	}
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for c := range req {
		switch c.Cmd {
		case svc.Interrogate:
			status <- c.CurrentStatus
		case svc.Stop, svc.Shutdown:
			status <- svc.Status{State: svc.StopPending}
			if held != 0 {
				_ = windows.CloseHandle(held)
			}
			return false, 0
		}
	}
	return false, 0
}

// holdFile opens (creating) path for writing, shared for reading only.
func holdFile(path string) (windows.Handle, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return 0, fmt.Errorf("hold %s: %w", path, err)
	}
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, fmt.Errorf("hold %s: %w", path, err)
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, windows.FILE_SHARE_READ, nil, windows.OPEN_ALWAYS, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return 0, fmt.Errorf("hold %s: %w", path, err)
	}
	return h, nil
}

func main() {
	name := flag.String("name", "", "the service name this process runs as")
	hold := flag.String("hold", "", "a file to keep open while running")
	flag.Parse()
	if *name == "" {
		fmt.Fprintln(os.Stderr, "usage: svcstub -name NAME [-hold FILE]")
		os.Exit(2)
	}
	if err := svc.Run(*name, stub{hold: *hold}); err != nil {
		fmt.Fprintf(os.Stderr, "svcstub: %v\n", err)
		os.Exit(1)
	}
}
