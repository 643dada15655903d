package e2e

import (
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

const (
	catroot2   = system32 + `\catroot2`
	downloader = `C:\ProgramData\Microsoft\Network\Downloader`
)

// networkServiceACE is the explicit ACE the simulated Windows gives
// NT AUTHORITY\NetworkService on the folders its services write: CryptSvc
// (catroot2) and DoSvc (Delivery Optimization, inside SoftwareDistribution).
const networkServiceACE = "(A;OICI;0x1301bf;;;NS)"

// security is a folder's DACL on the simulated machine ("" when absent).
func security(t *testing.T, st fakehost.MachineState, path string) (string, bool) {
	t.Helper()
	_, e := st.LookupFile(path)
	if e == nil {
		return "", false
	}
	return e.Security, true
}

// Issue 20 item 1: a folder wurepair renames aside is recreated with the
// original's DACL (its explicit ACEs and protection; the inherited ones come
// again from the same parent), so NetworkService keeps the ACE CryptSvc and
// DoSvc need, and the BITS queue folder stays protected. The backup keeps
// its own DACL, and a rollback puts the original, with its DACL, back.
func TestRecreatedFoldersKeepTheirPermissions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		plan    string
		folders []string
	}{
		{"datastore", []string{dataStore, download}},
		{"reset", []string{swDist, catroot2, downloader}},
	} {
		t.Run(tc.plan, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			before := m.now()
			// The Windows behaviour the fake encodes by default.
			for _, p := range []string{swDist, catroot2} {
				if d, _ := security(t, before, p); !strings.HasPrefix(d, "D:AI"+networkServiceACE) {
					t.Fatalf("%s: want an explicit NetworkService ACE, got %q", p, d)
				}
			}
			if d, _ := security(t, before, downloader); !strings.HasPrefix(d, "D:PAI") {
				t.Fatalf("Downloader: want a protected DACL, got %q", d)
			}
			r := m.run("repair", tc.plan, "--yes")
			if r.code != 0 {
				t.Fatalf("repair %s: %v", tc.plan, r)
			}
			run := m.onlyRun()
			after := m.now()
			for _, p := range tc.folders {
				want, _ := security(t, before, p)
				if want == "" {
					t.Fatalf("%s has no modelled DACL before the repair", p)
				}
				if got, ok := security(t, after, p); !ok || got != want {
					t.Errorf("%s recreated with DACL %q (exists %v), want the original's %q", p, got, ok, want)
				}
				if got, ok := security(t, after, p+".wurepair-"+run.ID); !ok || got != want {
					t.Errorf("%s's backup has DACL %q (exists %v), want %q", p, got, ok, want)
				}
			}
			if r := m.run("rollback", run.ID, "--yes"); r.code != 0 {
				t.Fatalf("rollback: %v", r)
			}
			restored := m.now()
			for _, p := range tc.folders {
				want, _ := security(t, before, p)
				if got, ok := security(t, restored, p); !ok || got != want {
					t.Errorf("%s after the rollback has DACL %q (exists %v), want %q", p, got, ok, want)
				}
				if _, ok := security(t, restored, p+".wurepair-"+run.ID); ok {
					t.Errorf("%s's backup is still there after the rollback", p)
				}
			}
		})
	}
}

// A folder that cannot be recreated with its DACL fails the step, and the
// rollback puts the original back: never a folder with other permissions
// than it had, never a missing catroot2 left for CryptSvc to make as it
// likes.
func TestPermissionsNotCopiedRollsBack(t *testing.T) {
	t.Parallel()
	m := newMachine(t, "0x80070002")
	m.alter(func(sc *fakehost.Scenario) {
		sc.Machine.Faults.SecurityFails = map[string]fakehost.HResult{catroot2: 0x80070005}
	})
	before := m.now()
	r := m.run("repair", "reset", "--yes")
	out := r.stdout + r.stderr
	if r.code != 1 || !strings.Contains(out, catroot2+" could not be recreated with the permissions it had (0x80070005)") {
		t.Fatalf("want exit 1 naming catroot2 and 0x80070005: %v", r)
	}
	show := m.runs("runs", "show", m.onlyRun().ID)
	if !strings.Contains(show.stdout, "could not be recreated with the permissions it had") {
		t.Fatalf("the journal does not say why: %v", show)
	}
	sameMachine(t, "after the rollback", before, m.now())
}
