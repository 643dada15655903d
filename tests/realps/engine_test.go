package realps

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/ps"
	"github.com/wurepair/wurepair/scripts"
	"github.com/wurepair/wurepair/tests/fakehost"
)

// The test binary doubles as the fake powershell.exe (as in package ps):
// started with this variable set, it runs the fake host.
const envBeFakeHost = "WUREPAIR_TEST_BE_FAKEHOST"

func TestMain(m *testing.M) {
	if os.Getenv(envBeFakeHost) == "1" {
		os.Exit(fakehost.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(m.Run())
}

// requestTimeout bounds one script run on either engine.
const requestTimeout = 60 * time.Second

// engines runs the same requests through the same ps.Session request path
// on real pwsh (the real bootstrap, the real script, the doubles as
// Prelude) and on the fake host, both over one machine.
type engines struct {
	t    testing.TB
	m    *machine
	cat  *scripts.Catalog
	real *ps.Session
	fake *ps.Session
}

// newEngines starts both engines over m. doubles names the files of
// doubles/ the real engine loads (none: all of them); loading only what a
// test needs spares each pwsh the C# compilations it does not use.
func newEngines(t testing.TB, m *machine, doubles ...string) *engines {
	t.Helper()
	if runtime.GOOS == "windows" {
		// On Windows the scripts take the real Windows folder from the OS
		// (the test seam exists only off Windows): never point them at it.
		t.Skip("NOT RUN: tests/realps runs off Windows only; on Windows, tests/pester runs the scripts on the real machine")
	}
	pwsh := findPwsh(t)
	cat := scripts.MustLoad()
	realS, err := ps.New(ps.Options{Exe: pwsh, Bootstrap: cat.Bootstrap().Text, Prelude: prelude(t, m, doubles)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = realS.Close() })
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fakeS, err := ps.New(ps.Options{
		Exe:       self,
		Bootstrap: cat.Bootstrap().Text,
		Starter: &ps.LocalStarter{Env: []string{
			envBeFakeHost + "=1",
			fakehost.EnvScenario + "=" + m.scenario,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fakeS.Close() })
	return &engines{t: t, m: m, cat: cat, real: realS, fake: fakeS}
}

// doublesDir is tests/realps/doubles, found from this source file.
func doublesDir(t testing.TB) string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "doubles")
}

// prelude is the PowerShell run before every request on real pwsh: it
// names the machine and dot-sources every double.
func prelude(t testing.TB, m *machine, only []string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(doublesDir(t), "*.ps1"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no doubles in %s: %v", doublesDir(t), err)
	}
	if len(only) > 0 {
		files = files[:0]
		for _, f := range only {
			files = append(files, filepath.Join(doublesDir(t), f))
		}
	}
	var b strings.Builder
	// A double that fails to load must fail the request, not vanish (the
	// bootstrap runs the prelude without looking at its error stream).
	b.WriteString("$ErrorActionPreference = 'Stop'\n")
	fmt.Fprintf(&b, "$global:WurDoubleRoot = %s\n", psQuote(m.root))
	fmt.Fprintf(&b, "$global:WurDoubleState = %s\n", psQuote(m.state))
	for _, f := range files {
		fmt.Fprintf(&b, ". %s\n", psQuote(f))
	}
	// What happened after the last request (a trigger restart) happens now.
	for _, f := range []string{"Invoke-WurDoubleTriggers", "Update-WurDoubleDotNet", "Update-WurDoubleRestartManager"} {
		fmt.Fprintf(&b, "if (Get-Command -Name %s -ErrorAction SilentlyContinue) { %[1]s }\n", f)
	}
	return b.String()
}

func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// run sends one request to one engine.
func (e *engines) run(s *ps.Session, name string, params map[string]any, checkMode bool) ps.Result {
	e.t.Helper()
	sc, ok := e.cat.Get(name)
	if !ok {
		e.t.Fatalf("no script %s", name)
	}
	if err := sc.CheckParams(params); err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout+30*time.Second)
	defer cancel()
	res, err := s.Invoke(ctx, ps.Request{Name: name, Script: sc.Text, Params: params, Timeout: requestTimeout, CheckMode: checkMode})
	if err != nil {
		stderr, noise := s.Diagnostics()
		e.t.Fatalf("%s: %v\nstderr: %s\nnoise: %s", name, err, stderr, noise)
	}
	return res
}

// outcome is what one request gave on both engines.
type outcome struct {
	real, fake ps.Result
}

// both runs the request on real pwsh and on the fake host. Paths in params
// are Windows paths (C:\...): the real engine gets them mapped to the
// test's folders.
func (e *engines) both(name string, params map[string]any, checkMode bool) outcome {
	e.t.Helper()
	realParams := map[string]any{}
	for k, v := range params {
		if s, ok := v.(string); ok && strings.HasPrefix(s, `C:\`) {
			v = e.m.local(s)
		}
		realParams[k] = v
	}
	return outcome{real: e.run(e.real, name, realParams, checkMode), fake: e.run(e.fake, name, params, checkMode)}
}

// compare checks one outcome: the same success or failure on both
// engines; for a failure the same FullyQualifiedErrorId and category; for
// a success the real output matches the manifest's declared fields and
// types, decodes strictly into the orchestrator's type, and equals the
// fake's result field by field (real paths mapped back to C:\...). It
// returns the decoded real result (a pointer to a new value of typ).
func (e *engines) compare(name string, o outcome, typ any) any {
	e.t.Helper()
	if o.real.TimedOut || o.fake.TimedOut {
		e.t.Fatalf("%s timed out (real %v, fake %v)", name, o.real.TimedOut, o.fake.TimedOut)
	}
	// Warning text is localized: compare how many, not what they say.
	if len(o.real.Warnings) != len(o.fake.Warnings) {
		e.t.Errorf("%s: real warned %q, fake %q", name, o.real.Warnings, o.fake.Warnings)
	}
	if o.real.OK != o.fake.OK {
		e.t.Fatalf("%s: real ok=%v errors=%s; fake ok=%v errors=%s", name, o.real.OK, records(o.real.Errors), o.fake.OK, records(o.fake.Errors))
	}
	if !o.real.OK {
		r, f := o.real.Errors, o.fake.Errors
		if len(r) == 0 || len(f) == 0 || r[0].FQID != f[0].FQID || r[0].Category != f[0].Category ||
			r[0].HResult != f[0].HResult || r[0].ExceptionType != f[0].ExceptionType {
			e.t.Errorf("%s failed differently:\nreal %s\nfake %s", name, records(r), records(f))
		}
		return nil
	}
	sc, _ := e.cat.Get(name)
	if len(o.real.Output) != 1 {
		e.t.Fatalf("%s: real returned %d objects, want 1", name, len(o.real.Output))
	}
	for _, p := range checkManifest(sc, o.real.Output[0]) {
		e.t.Errorf("%s real output vs manifest: %s", name, p)
	}
	for _, p := range checkManifest(sc, o.fake.Output[0]) {
		e.t.Errorf("%s fake output vs manifest: %s", name, p)
	}
	rt := reflect.TypeOf(typ)
	realV, fakeV := reflect.New(rt), reflect.New(rt)
	if err := o.real.Decode(realV.Interface()); err != nil {
		e.t.Fatalf("real %s: %v\n%s", name, err, o.real.Output[0])
	}
	if err := o.fake.Decode(fakeV.Interface()); err != nil {
		e.t.Fatalf("fake %s: %v\n%s", name, err, o.fake.Output[0])
	}
	mapStrings(realV.Elem(), e.m.windows)
	for _, d := range diff(name, realV.Elem(), fakeV.Elem()) {
		e.t.Errorf("real and fake differ: %s", d)
	}
	return realV.Interface()
}

func records(rs []ps.ErrorRecord) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "[%s %s %s 0x%08X %q] ", r.FQID, r.Category, r.ExceptionType, uint32(r.HResult), r.Message)
	}
	return b.String()
}

// checkManifest validates one raw result object against the manifest's
// declared result fields: the same set of names, each of its type.
func checkManifest(sc scripts.Script, raw json.RawMessage) []string {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return []string{fmt.Sprintf("not a JSON object: %v", err)}
	}
	var problems []string
	declared := map[string]bool{}
	for _, f := range sc.Result {
		declared[f.Name] = true
		v, ok := obj[f.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("field %s missing", f.Name))
			continue
		}
		if !jsonHasType(v, f.Type) {
			problems = append(problems, fmt.Sprintf("field %s = %s, want %s", f.Name, v, f.Type))
		}
	}
	for k := range obj {
		if !declared[k] {
			problems = append(problems, fmt.Sprintf("field %s not declared", k))
		}
	}
	return problems
}

func jsonHasType(raw json.RawMessage, typ string) bool {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return false
	}
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "bool":
		_, ok := v.(bool)
		return ok
	case "int", "int64":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := n.Int64()
		return err == nil
	case "string[]", "object[]":
		a, ok := v.([]any)
		if !ok {
			return false
		}
		for _, x := range a {
			if typ == "string[]" {
				if _, ok := x.(string); !ok {
					return false
				}
			} else if _, ok := x.(map[string]any); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// mapStrings applies f to every string in v (fields, slices, nested).
func mapStrings(v reflect.Value, f func(string) string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(f(v.String()))
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			mapStrings(v.Field(i), f)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			mapStrings(v.Index(i), f)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			mapStrings(v.Elem(), f)
		}
	}
}

// diff lists the differences between two decoded results, field by field.
func diff(path string, a, b reflect.Value) []string {
	switch a.Kind() {
	case reflect.Struct:
		var out []string
		for i := 0; i < a.NumField(); i++ {
			out = append(out, diff(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))...)
		}
		return out
	case reflect.Slice:
		if a.Len() != b.Len() {
			return []string{fmt.Sprintf("%s: real has %d items %v, fake %d %v", path, a.Len(), a.Interface(), b.Len(), b.Interface())}
		}
		var out []string
		for i := 0; i < a.Len(); i++ {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i))...)
		}
		return out
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return []string{fmt.Sprintf("%s: real %#v, fake %#v", path, a.Interface(), b.Interface())}
	}
	return nil
}
