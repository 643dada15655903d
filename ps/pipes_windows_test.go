//go:build windows

package ps

import (
	"os"
	"path/filepath"
	"testing"

	"unsafe"

	"golang.org/x/sys/windows"
)

var getHandleInformation = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetHandleInformation")

// Go's ends of the host's pipes must not be inheritable: os.Pipe makes
// them inheritable on Windows, noInherit clears the flag.
func TestPipeEndsAreNotInheritable(t *testing.T) {
	sys, err := windows.GetSystemDirectory()
	if err != nil {
		t.Fatal(err)
	}
	p, in, out, errr, err := (&LocalStarter{}).StartProcess(filepath.Join(sys, "cmd.exe"), "/d", "/q")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = p.(Process).Kill()
		_ = p.Wait()
	}()
	for name, x := range map[string]any{"stdin": in, "stdout": out, "stderr": errr} {
		f := x.(*os.File)
		var flags uint32
		if r, _, err := getHandleInformation.Call(f.Fd(), uintptr(unsafe.Pointer(&flags))); r == 0 {
			t.Fatal(err)
		}
		if flags&windows.HANDLE_FLAG_INHERIT != 0 {
			t.Errorf("%s: Go's end is inheritable", name)
		}
	}
}
