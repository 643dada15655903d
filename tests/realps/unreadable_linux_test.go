package realps

import (
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 9 item 18: a folder that cannot be listed is named in Unreadable
// and nothing inside it is counted (a link could hide there).

// Access denied, compared with the fake host's Denied folder. Root lists
// any folder whatever its mode, so this runs only when the tests do not
// run as root.
func TestUnreadableDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("NOT RUN: running as root, chmod 000 does not deny a listing (TestUnreadableTooLong runs as root)")
	}
	denied := dl + `\Denied`
	m := newMachine(t, scenarioPath(t, "healthy"), func(sc *fakehost.Scenario) {
		sc.Machine.Files[denied] = &fakehost.FileEntry{Kind: "dir", Denied: true}
		sc.Machine.Files[denied+`\hidden.cab`] = &fakehost.FileEntry{Kind: "file", Size: 100}
	})
	if err := os.Chmod(m.local(denied), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(m.local(denied), 0o755) })
	runSteps(t, newEngines(t, m, "Machine.ps1"), []step{
		{name: "probe", script: "Get-WurSoftwareDistribution", typ: scripts.SoftwareDistributionResult{},
			check: func(t *testing.T, _ *machine, res any) {
				r := res.(*scripts.SoftwareDistributionResult)
				if got := r.Folders[2].Unreadable; len(got) != 1 || got[0] != denied {
					t.Errorf("Download: %+v", r.Folders[2])
				}
			}},
	})
}

// A path too long to list. .NET Framework's legacy limit (260) cannot be
// shown on Linux; Linux's own (PATH_MAX, 4096) can, as root too: a chain of
// folders made one below the other (mkdirat), longer than any path the
// kernel accepts whole. Real pwsh only: the fake host models .NET
// Framework's limit, which a tree of this depth passes far earlier.
func TestUnreadableTooLong(t *testing.T) {
	m := newMachine(t, scenarioPath(t, "healthy"))
	e := newEngines(t, m, "Machine.ps1")
	base := m.local(dl)
	fd, err := syscall.Open(base, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Repeat("n", 200)
	depth := 0
	for full := len(base); full < 4300; full += len(name) + 1 {
		if err := syscall.Mkdirat(fd, name, 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := syscall.Openat(fd, name, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
		_ = syscall.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
		depth++
	}
	// A file at the bottom, which must not be counted.
	f, err := syscall.Openat(fd, "hidden.cab", syscall.O_CREAT|syscall.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = syscall.Write(f, []byte("x"))
	_ = syscall.Close(f)
	_ = syscall.Close(fd)

	res := e.run(e.real, "Get-WurSoftwareDistribution", nil, false)
	if !res.OK || len(res.Output) != 1 {
		t.Fatalf("real: %+v", res)
	}
	var r scripts.SoftwareDistributionResult
	if err := json.Unmarshal(res.Output[0], &r); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 2} { // SoftwareDistribution, Download
		fo := r.Folders[i]
		if len(fo.Unreadable) != 1 || !strings.HasPrefix(fo.Unreadable[0], base+"/"+name) || len(fo.Unreadable[0]) < 4000 {
			t.Errorf("%s: unreadable %v (want the one folder too deep to list, of %d)\n%s", fo.Name, fo.Unreadable, depth, res.Output[0])
		}
	}
	if dlFiles := r.Folders[2].Files; dlFiles != int64(len(filesIn(m, dl))) {
		t.Errorf("Download counted %d files, want %d (what lies below the unreadable folder is not counted)", dlFiles, len(filesIn(m, dl)))
	}
}

// filesIn lists the scenario's files inside a folder.
func filesIn(m *machine, dir string) []string {
	var out []string
	for p, e := range m.sc.Machine.Files {
		if e.Kind == "file" && strings.HasPrefix(strings.ToLower(p), strings.ToLower(dir)+`\`) {
			out = append(out, p)
		}
	}
	return out
}
