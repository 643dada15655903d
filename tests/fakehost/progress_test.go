package fakehost

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// progressLines runs one request through Main, as wurepair writes it, and
// returns the percents of the progress frames written for it before its
// reply, and whether the reply came.
func progressLines(t *testing.T, name string, params map[string]any, checkMode bool) ([]string, bool) {
	t.Helper()
	s := newSession(t, "components")
	cat := scripts.MustLoad()
	sc, _ := cat.Get(name)
	if params == nil {
		params = map[string]any{}
	}
	req, _ := json.Marshal(map[string]any{"id": "7", "name": name, "script": sc.Text, "params": params,
		"timeoutMs": sc.TimeoutMs, "checkMode": checkMode, "inactivity": true})
	in := "'" + testNonce + ":MODE:' + $ExecutionContext.SessionState.LanguageMode\n" +
		". ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('" +
		base64.StdEncoding.EncodeToString([]byte(cat.Bootstrap().Text)) + "')))) '" + testNonce + "'\n" +
		"Invoke-WurRequest '" + base64.StdEncoding.EncodeToString(req) + "'\nexit\n"
	var out, errb bytes.Buffer
	env := map[string]string{EnvScenario: s.scenario, EnvState: s.state}
	if code := Main(wantArgs, strings.NewReader(in), &out, &errb, func(k string) string { return env[k] }); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	progress := regexp.MustCompile(`^` + testNonce + `:7:P:([0-9]+)$`)
	reply := regexp.MustCompile(`^` + testNonce + `:7:[0-9]+:`)
	var pcts []string
	for _, line := range strings.Split(out.String(), "\n") {
		if m := progress.FindStringSubmatch(line); m != nil {
			pcts = append(pcts, m[1])
		}
		if reply.MatchString(line) {
			return pcts, true
		}
	}
	return pcts, false
}

// Repair-WindowsImage -RestoreHealth and -ScanHealth report progress as
// they go: the fake host writes the progress frames the bootstrap would,
// before the reply, by default. CheckHealth (seconds) and a dry run do not.
func TestDISMProgressFrames(t *testing.T) {
	for _, tc := range []struct {
		name      string
		script    string
		params    map[string]any
		checkMode bool
		want      string
	}{
		{"RestoreHealth", "Repair-WurComponentStore", nil, false, "0 10 20 40 62 84 100"},
		{"ScanHealth", "Get-WurComponentHealth", map[string]any{"Scan": true}, false, "0 10 20 40 62 84 100"},
		{"CheckHealth", "Get-WurComponentHealth", nil, false, ""},
		{"RestoreHealth under WhatIf", "Repair-WurComponentStore", nil, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, replied := progressLines(t, tc.script, tc.params, tc.checkMode)
			if !replied || strings.Join(got, " ") != tc.want {
				t.Fatalf("progress %q (replied %v), want %q", got, replied, tc.want)
			}
		})
	}
}

// A slow repair that keeps reporting runs past its timeout when the
// timeout is on inactivity, and is stopped at it when it is not.
func TestDISMInactivityTimeout(t *testing.T) {
	for _, inactivity := range []bool{true, false} {
		th := hostFor(t, "components", func(sc *Scenario) {
			sc.Machine.Faults.SlowMs = map[string]int{"Repair-WurComponentStore": 700}
		})
		sc, _ := th.h.cat.Get("Repair-WurComponentStore")
		timeoutMs, checkMode := int64(300), false
		env := newEnvelope()
		th.h.invoke(&wireRequest{ID: "1", Name: sc.Name, Script: sc.Text, Params: map[string]any{}, TimeoutMs: &timeoutMs,
			CheckMode: &checkMode, Inactivity: inactivity}, env)
		if env.TimedOut == inactivity {
			t.Fatalf("inactivity %v: timedOut %v", inactivity, env.TimedOut)
		}
		if st := th.state().ComponentStore.State; (st == storeHealthy) != inactivity {
			t.Fatalf("inactivity %v: store %s", inactivity, st)
		}
	}
}
