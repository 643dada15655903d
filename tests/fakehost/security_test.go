package fakehost

import (
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// The Windows behaviour the fake encodes (issue 20 item 1): catroot2 has an
// explicit ACE for NetworkService (CryptSvc), which a folder created
// without a DACL in the same parent would not get (it gets only the
// inherited ACEs); Backup-WurFolder recreates with the original's DACL, and
// a creation that fails is data: no folder, SecurityCopied false.
func TestBackupFolderKeepsTheDACL(t *testing.T) {
	th := hostFor(t, "0x80070002")
	th.stopAll("CryptSvc", "BITS")
	orig := th.state().Files[catroot2Dir].Security
	if plain := inheritedOnly(orig); strings.Contains(plain, ";;;NS)") || plain == orig {
		t.Fatalf("a plain folder would keep NetworkService's ACE: %q", plain)
	}
	got := result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", catroot2Dir, "BackupPath", catroot2Dir+".wurepair-s1"), false))
	if !got.Recreated || !got.SecurityCopied || got.SecurityHResult != 0 {
		t.Fatalf("got %+v", got)
	}
	if d := th.state().Files[catroot2Dir].Security; d != orig {
		t.Fatalf("catroot2 recreated with %q, want %q", d, orig)
	}
	if d := th.state().Files[catroot2Dir+".wurepair-s1"].Security; d != orig {
		t.Fatalf("the backup has %q, want %q", d, orig)
	}

	th.state().Faults.SecurityFails = map[string]HResult{downloaderDir: hrDiskFull}
	got = result[scripts.BackupFolderResult](t, th.call("Backup-WurFolder", p("Path", downloaderDir, "BackupPath", downloaderDir+".wurepair-s1"), false))
	if !got.Renamed || got.Recreated || got.SecurityCopied || uint32(got.SecurityHResult) != uint32(hrDiskFull) {
		t.Fatalf("got %+v", got)
	}
	if _, e := th.state().lookup(downloaderDir); e != nil {
		t.Fatal("Downloader was made without its DACL")
	}
}

func TestExplicitDACL(t *testing.T) {
	for in, want := range map[string]string{
		"":                                "",
		"D:AI":                            "D:",
		defaultDACL[catroot2Dir]:          "D:" + networkServiceModify,
		defaultDACL[dataStoreDir]:         "D:",
		defaultDACL[downloaderDir]:        "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)",
		"D:PAI(D;;WD;;;BU)(A;ID;FA;;;SY)": "D:P(D;;WD;;;BU)",
	} {
		if got, err := explicitDACL(in); err != nil || got != want {
			t.Errorf("explicitDACL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"O:SYD:(A;;FA;;;SY)", "D:(XA;;FA;;;WD;(Member_of {SID(BA)}))", "D:(A;OICI;FA)"} {
		if _, err := explicitDACL(bad); err == nil {
			t.Errorf("explicitDACL(%q) accepted", bad)
		}
	}
}
