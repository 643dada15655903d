package fakehost

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// scenario builds a scenario definition by file name (see scenarios_test.go).
func scenario(t *testing.T, name string) *Scenario {
	t.Helper()
	for _, d := range scenarioDefs {
		if d.file == name {
			sc := d.build()
			if err := sc.Machine.normalize(sc.Host); err != nil {
				t.Fatal(err)
			}
			return sc
		}
	}
	t.Fatalf("no scenario %q", name)
	return nil
}

// testHost is a host for sc without a process: requests go straight to
// invoke. With persist, the machine saves to a state file in a temp dir.
type testHost struct {
	t *testing.T
	h *Host
}

func newTestHost(t *testing.T, sc *Scenario, persist bool) *testHost {
	t.Helper()
	state := ""
	if persist {
		state = filepath.Join(t.TempDir(), "machine.json")
	}
	m, err := newMachine(sc, state)
	if err != nil {
		t.Fatal(err)
	}
	return &testHost{t: t, h: &Host{sc: sc, cat: scripts.MustLoad(), out: nil, errw: io.Discard, eol: "\n", machine: m}}
}

func hostFor(t *testing.T, name string, mutate ...func(*Scenario)) *testHost {
	t.Helper()
	sc := scenario(t, name)
	for _, f := range mutate {
		f(sc)
	}
	if err := sc.Machine.normalize(sc.Host); err != nil {
		t.Fatal(err)
	}
	return newTestHost(t, sc, false)
}

func (th *testHost) state() *MachineState { return &th.h.machine.State }

func (th *testHost) bytes() string {
	th.t.Helper()
	b, err := th.h.machine.Bytes()
	if err != nil {
		th.t.Fatal(err)
	}
	return string(b)
}

// call sends one request the way the wire does (JSON numbers, arrays as
// []any) and returns the envelope.
func (th *testHost) call(name string, params map[string]any, checkMode bool) *envelope {
	th.t.Helper()
	env, _ := th.callCrash(name, params, checkMode, 600000)
	return env
}

func (th *testHost) callCrash(name string, params map[string]any, checkMode bool, timeoutMs int64) (*envelope, bool) {
	th.t.Helper()
	s, ok := th.h.cat.Get(name)
	if !ok {
		th.t.Fatalf("no script %s", name)
	}
	if params == nil {
		params = map[string]any{}
	}
	raw, err := json.Marshal(params)
	if err != nil {
		th.t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var wire map[string]any
	if err := dec.Decode(&wire); err != nil {
		th.t.Fatal(err)
	}
	req := &wireRequest{ID: "1", Name: name, Script: s.Text, Params: wire, TimeoutMs: &timeoutMs, CheckMode: &checkMode}
	env := newEnvelope()
	crash := th.h.invoke(req, env)
	return env, crash
}

// result decodes the single output object strictly into T and checks no
// field is null (nil slices must travel as []).
func result[T any](t *testing.T, env *envelope) T {
	t.Helper()
	var out T
	if !env.OK || len(env.Output) != 1 {
		t.Fatalf("want one result, got ok=%v output=%d errors=%+v", env.OK, len(env.Output), env.Errors)
	}
	raw, err := marshalPS(env.Output[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), ":null") {
		t.Fatalf("result has a null: %s", raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decode %T: %v\n%s", out, err, raw)
	}
	return out
}

// failure returns the single error record of a thrown script.
func failure(t *testing.T, env *envelope) ErrorRecord {
	t.Helper()
	if env.OK || len(env.Errors) != 1 || len(env.Output) != 0 {
		t.Fatalf("want one error and no output, got ok=%v output=%+v errors=%+v", env.OK, env.Output, env.Errors)
	}
	return env.Errors[0]
}

func p(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// stopAll stops services (for tests that need wuauserv & co. out of the way).
func (th *testHost) stopAll(names ...string) {
	th.t.Helper()
	for _, n := range names {
		r := result[scripts.StopServiceResult](th.t, th.call("Stop-WurService", p("Name", n, "TimeoutSec", 30, "StopDependents", true), false))
		if !r.Stopped {
			th.t.Fatalf("stop %s: %+v", n, r)
		}
	}
}
