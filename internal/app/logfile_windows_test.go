//go:build windows

package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// Windows variant of issue 19, item 1: a symbolic link at the log's name
// is opened as itself (FILE_FLAG_OPEN_REPARSE_POINT) and refused, its
// target never written; a log folder whose DACL lets Users write is
// refused. (Symbolic links need the privilege an elevated runner has.)
func TestWindowsLogFileLinkAndFolderACL(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "precious.txt")
	if err := os.WriteFile(target, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(logs, "wurepair.log")); err != nil {
		t.Skipf("cannot create a symbolic link here: %v", err)
	}
	if r, err := openRotatingFile(filepath.Join(logs, "wurepair.log"), 100, 2); err == nil {
		r.Close()
		t.Fatal("a log file that is a symbolic link was opened")
	}
	if b, _ := os.ReadFile(target); string(b) != "precious\n" {
		t.Fatalf("the link's target was written: %q", b)
	}
	open := filepath.Join(dir, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;BU)")
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(open, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION,
		nil, nil, dacl, nil); err != nil {
		t.Fatal(err)
	}
	r, err := openRotatingFile(filepath.Join(open, "wurepair.log"), 100, 2)
	if err == nil {
		r.Close()
		t.Fatal("a log folder Users may write was accepted")
	}
	if !strings.Contains(err.Error(), "log refused") {
		t.Fatalf("%v", err)
	}
}
