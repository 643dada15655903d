package realps

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// machine is one scenario made real for pwsh: the scenario's files as real
// folders and files (sparse, of the declared size) and its junctions as
// real symbolic links under root, and the rest of the machine (services,
// registry, DLL behaviour, component store, history) in a JSON state file
// that the doubles read and write. Windows path C:\A\B is root/A/B.
type machine struct {
	root     string // stands for C:\
	state    string // the doubles' machine state (JSON)
	scenario string // the scenario file the fake host reads
	sc       *fakehost.Scenario
}

// newMachine materializes the scenario file at path.
func newMachine(t testing.TB, path string, mutate ...func(*fakehost.Scenario)) *machine {
	t.Helper()
	sc, err := fakehost.LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range mutate {
		f(sc)
	}
	dir := t.TempDir()
	m := &machine{
		root:     filepath.Join(dir, "C"),
		state:    filepath.Join(dir, "machine.json"),
		scenario: filepath.Join(dir, "scenario.json"),
		sc:       sc,
	}
	raw, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.scenario, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(m.root, 0o755); err != nil {
		t.Fatal(err)
	}
	st := sc.Machine
	paths := make([]string, 0, len(st.Files))
	for p := range st.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths) // parents before children
	for _, p := range paths {
		e := st.Files[p]
		local := m.local(p)
		switch e.Kind {
		case "dir":
			err = os.MkdirAll(local, 0o755)
		case "junction":
			err = os.Symlink(m.local(e.Target), local)
		case "file":
			err = writeSparse(local, e.Size)
		default:
			err = fmt.Errorf("unknown kind %q", e.Kind)
		}
		if err != nil {
			t.Fatalf("materialize %s: %v", p, err)
		}
	}
	doubles := map[string]any{
		"host":    sc.Host,
		"machine": st,
	}
	raw, err = json.MarshalIndent(doubles, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.state, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

func writeSparse(path string, size int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// local maps a Windows path (C:\A\B) to the real folder standing for it.
func (m *machine) local(win string) string {
	rest, ok := strings.CutPrefix(win, `C:\`)
	if !ok {
		panic("not a C:\\ path: " + win)
	}
	return filepath.Join(m.root, filepath.FromSlash(strings.ReplaceAll(rest, `\`, "/")))
}

// windows maps a real path under root back to its Windows spelling; other
// strings are returned as they are.
func (m *machine) windows(p string) string {
	if p == m.root {
		return `C:\`
	}
	rest, ok := strings.CutPrefix(p, m.root+"/")
	if !ok {
		return p
	}
	return `C:\` + strings.ReplaceAll(rest, "/", `\`)
}
