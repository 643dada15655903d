package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/orchestrator"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// Issue 20 item 4: when renaming a folder fails because a file inside is
// in use (a file diagnosis's bounded probe did not look at, or one opened
// after it), and the holder is not a service the plan stops (a process of
// the update stack such as MoUsoCoreWorker.exe, or Delivery Optimization
// writing into Download), the error names it (the Restart Manager's
// answer), the run rolls back and the machine is as it was. The datastore
// plan does not stop DoSvc: Delivery Optimization keeps its cache in its
// own folder, and stopping it halts every download it serves.
func TestFileInUseNamesTheHolder(t *testing.T) {
	t.Parallel()
	if slices.Contains(orchestrator.TouchedServices("datastore"), "DoSvc") {
		t.Fatal("the datastore plan stops DoSvc")
	}
	// Three levels down in Download: deeper than diagnosis's bounded
	// holders probe looks (holders.go), so the plan is not refused up
	// front and the rename itself meets the file in use.
	const express = download + `\0c5d5f3a1b9e4c7d8f2a6b1e3c9d7f40\express`
	const cab = express + `\Windows10.0-KB5034441-x64.psf`
	deep := func(sc *fakehost.Scenario) {
		sc.Machine.Files[express] = &fakehost.FileEntry{Kind: "dir"}
		sc.Machine.Files[cab] = &fakehost.FileEntry{Kind: "file", Size: 1 << 20}
	}
	for _, tc := range []struct {
		name  string
		hold  func(*fakehost.Scenario)
		names []string
	}{
		{"a process", func(sc *fakehost.Scenario) {
			sc.Machine.Processes = map[string]*fakehost.Process{"MoUsoCoreWorker.exe": {ProcessID: 7788, Description: "MoUSO Core Worker Process", Holds: []string{cab}}}
		}, []string{"MoUSO Core Worker Process, process id 7788"}},
		{"Delivery Optimization", func(sc *fakehost.Scenario) {
			do := sc.Machine.Services["DoSvc"]
			do.Holds = append(do.Holds, cab)
		}, []string{"service DoSvc (Delivery Optimization), process id 5276"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMachine(t, "0x80070002")
			m.alter(deep)
			m.alter(tc.hold)
			before := m.now()
			r := m.run("repair", "datastore", "--yes")
			out := r.stdout + r.stderr
			if r.code != 1 || !strings.Contains(out, download+" is in use by") {
				t.Fatalf("want exit 1 naming who holds Download: %v", r)
			}
			for _, n := range tc.names {
				if !strings.Contains(out, n) {
					t.Fatalf("the error does not name %q: %v", n, r)
				}
			}
			show := m.runs("runs", "show", m.onlyRun().ID)
			if !strings.Contains(show.stdout, tc.names[0]) {
				t.Fatalf("the journal does not name the holder: %v", show)
			}
			sameMachine(t, "after the rollback", before, m.now())
		})
	}
}
