package e2e

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// What the simulated machine looks like, read the way the fake host reads
// it: the state file when a host changed something, else the scenario.

// open loads the machine as it is now.
func (m *machine) open() *fakehost.Machine {
	m.t.Helper()
	mm, err := fakehost.OpenMachine(m.scenario, m.state)
	if err != nil {
		m.t.Fatal(err)
	}
	return mm
}

// now is the machine's state as it is now.
func (m *machine) now() fakehost.MachineState { return m.open().State }

// comparable is the machine as JSON with the process ids of services left
// out: a service stopped and started again has a new process, as on
// Windows. Everything else (statuses, start types, every file and folder,
// registry, logs, components) must be identical for two machines to be
// "the same".
func comparable(t *testing.T, st fakehost.MachineState) string {
	t.Helper()
	st = st.Clone()
	for _, svc := range st.Services {
		svc.ProcessID = 0
	}
	raw, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// sameMachine fails with the first differing lines when two machines differ.
func sameMachine(t *testing.T, what string, want, got fakehost.MachineState) {
	t.Helper()
	w, g := comparable(t, want), comparable(t, got)
	if w == g {
		return
	}
	wl, gl := strings.Split(w, "\n"), strings.Split(g, "\n")
	for i := 0; i < len(wl) && i < len(gl); i++ {
		if wl[i] != gl[i] {
			lo, hi := max(0, i-6), min(len(gl), i+6)
			t.Fatalf("%s: the machine differs at line %d:\n--- got ---\n%s\n--- want ---\n%s", what, i+1,
				strings.Join(gl[lo:hi], "\n"), strings.Join(wl[lo:min(len(wl), i+6)], "\n"))
		}
	}
	t.Fatalf("%s: the machine differs in length (%d vs %d lines)", what, len(gl), len(wl))
}

// filesUnder lists the entries below dir (not dir itself), relative to it,
// case-insensitively as Windows does.
func filesUnder(st fakehost.MachineState, dir string) map[string]*fakehost.FileEntry {
	out := map[string]*fakehost.FileEntry{}
	prefix := strings.ToLower(dir) + `\`
	for p, e := range st.Files {
		if strings.HasPrefix(strings.ToLower(p), prefix) {
			out[strings.ToLower(p[len(prefix):])] = e
		}
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func service(t *testing.T, st fakehost.MachineState, name string) *fakehost.Service {
	t.Helper()
	_, svc := st.LookupService(name)
	if svc == nil {
		t.Fatalf("no service %s on the simulated machine", name)
	}
	return svc
}
