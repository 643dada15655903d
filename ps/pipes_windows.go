//go:build windows

package ps

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// noInherit makes Go's ends of the host's pipes non-inheritable. os.Pipe
// creates inheritable handles on Windows (syscall.Pipe passes an inherit
// SECURITY_ATTRIBUTES); Go's own CreateProcess hands a child only the
// handles it names, but any other process this one starts by other means
// (a DLL, a future code path) would get our ends, and a pipe whose write
// end lives on in a stranger never reports EOF.
func noInherit(files ...*os.File) error {
	for _, f := range files {
		if err := windows.SetHandleInformation(windows.Handle(f.Fd()), windows.HANDLE_FLAG_INHERIT, 0); err != nil {
			return fmt.Errorf("make pipe handle non-inheritable: %w", err)
		}
	}
	return nil
}
