package ps

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// The test binary doubles as the fake powershell.exe (the os/exec helper
// process pattern): started with this variable set, it runs the fake host
// instead of the tests.
const envBeFakeHost = "WUREPAIR_TEST_BE_FAKEHOST"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envBenchHost); mode != "" {
		os.Exit(benchHostMain(mode)) // a benchmark's helper host: benchhost_test.go
	}
	if os.Getenv(envBeFakeHost) == "1" {
		os.Exit(fakehost.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(m.Run())
}

// fakeScenario writes a scenario and returns session options that start
// this test binary as the fake host for it.
func fakeScenario(t testing.TB, faults fakehost.Faults, mutate ...func(*fakehost.Scenario)) Options {
	t.Helper()
	sc := fakehost.Scenario{Name: t.Name(), Host: fakehost.DefaultHost(), Faults: faults}
	for _, f := range mutate {
		f(&sc)
	}
	raw, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "scenario.json")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Options{
		Exe:       exe,
		Bootstrap: scripts.MustLoad().Bootstrap().Text,
		// The fake host answers at once: a short kill margin keeps the
		// tests of hung requests fast (production: max(30s, 10%)).
		Grace: time.Second,
		Starter: &LocalStarter{Env: []string{
			envBeFakeHost + "=1",
			fakehost.EnvScenario + "=" + path,
		}},
	}
}

func newFakeSession(t testing.TB, faults fakehost.Faults, mutate ...func(*fakehost.Scenario)) *Session {
	t.Helper()
	s, err := New(fakeScenario(t, faults, mutate...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// echoResult is Test-WurEcho's result.
type echoResult struct {
	Text   string   `json:"Text"`
	Length int      `json:"Length"`
	Items  []string `json:"Items"`
}

func echoRequest(text string, items ...string) Request {
	sc, _ := scripts.MustLoad().Get("Test-WurEcho")
	params := map[string]any{"Text": text}
	if items != nil {
		params["Items"] = items
	}
	return Request{Name: sc.Name, Script: sc.Text, Params: params}
}
