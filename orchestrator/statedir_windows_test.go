//go:build windows

package orchestrator

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// The DACL rules on descriptors made from SDDL: owner SYSTEM or
// Administrators, no write for anyone else (secret: no access at all).
func TestCheckDescriptor(t *testing.T) {
	for _, tc := range []struct {
		sddl   string
		secret bool
		ok     bool
	}{
		{stateDirSDDL + "", false, false}, // no owner in the SDDL: refused
		{"O:SY" + stateDirSDDL, false, true},
		{"O:BA" + stateDirSDDL, true, true},
		{"O:BU" + stateDirSDDL, false, false},                 // owned by Users
		{"O:SYD:(A;;FA;;;SY)(A;;0x1200a9;;;BU)", false, true}, // Users may read
		{"O:SYD:(A;;FA;;;SY)(A;;0x1200a9;;;BU)", true, false}, // ... not a secret
		{"O:SYD:(A;;FA;;;SY)(A;;0x2;;;BU)", false, false},     // Users may add files
		{"O:SYD:(A;;FA;;;SY)(A;OICIIO;FA;;;CO)", false, true}, // inherit-only CREATOR OWNER
		{"O:SYD:(A;;FA;;;SY)(A;;FA;;;WD)", false, false},      // Everyone full control
		{"O:SYD:(A;;FA;;;SY)(A;;GW;;;AU)", false, false},      // Authenticated Users generic write
	} {
		sd, err := windows.SecurityDescriptorFromString(tc.sddl)
		if err != nil {
			t.Fatalf("%s: %v", tc.sddl, err)
		}
		err = checkDescriptor("x", sd, tc.secret)
		if (err == nil) != tc.ok {
			t.Errorf("%s (secret %v): %v, want ok=%v", tc.sddl, tc.secret, err, tc.ok)
		}
		// A refused ACL tells the admin what to run (issue 16).
		if err != nil && strings.Contains(err.Error(), " may ") && !strings.Contains(err.Error(), `icacls "x" /inheritance:r`) {
			t.Errorf("%s: %v: no icacls advice", tc.sddl, err)
		}
	}
}

// A state directory wurepair creates passes its own checks and holds the
// protected DACL; a key and a journal can be made in it.
func TestStateDirCreatedProtected(t *testing.T) {
	sd, key := testState(t)
	got, err := windows.GetNamedSecurityInfo(sd.Path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	ctl, _, err := got.Control()
	if err != nil || ctl&windows.SE_DACL_PROTECTED == 0 {
		t.Fatalf("DACL not protected: %v %v", got, err)
	}
	j, err := CreateJournal(sd, testRunID, key, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(Record{Type: RecRunStart, Run: &RunInfo{ID: testRunID}}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if recs, err := ReadRun(sd, testRunID, key); err != nil || len(recs) != 1 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
}

// A lock that is a symbolic link is opened itself (FILE_FLAG_OPEN_REPARSE_POINT)
// and refused; its target is not touched.
func TestLockLinkRefused(t *testing.T) {
	sd, _ := testState(t)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(sd.Path, LockName)); err != nil {
		t.Skip("creating a symbolic link needs a privilege here:", err)
	}
	if _, err := AcquireLock(sd); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("linked lock: %v", err)
	}
	if raw, _ := os.ReadFile(victim); string(raw) != "precious" {
		t.Fatalf("the link's target was changed: %q", raw)
	}
}

// O_APPEND through the no-follow open appends (the log file): a second
// handle's writes land after the first's, never over them; a rename inside
// the state directory keeps the content.
func TestOpenFileAppendAndRename(t *testing.T) {
	sd, err := OpenStateDir(filepath.Join(t.TempDir(), "wurepair"), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"one\n", "two\n"} {
		f, err := sd.OpenFile(os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600, "a.log")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Stat(); err != nil {
			t.Fatalf("stat on an append handle: %v", err)
		}
		f.Close()
	}
	if err := sd.Rename([]string{"a.log"}, []string{"a.1.log"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(sd.Path, "a.1.log"))
	if err != nil || string(b) != "one\ntwo\n" {
		t.Fatalf("%q, %v", b, err)
	}
}
