package fakehost

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/scripts"
)

// The END line real PowerShell echoes after each request (observed with
// pwsh 7.6, ps/realengine_test.go): after a reply, and alone when the
// line before it was not a request (after READY the bootstrap's loop
// ignores such a line, on stderr, and never runs it). The SYNC line writes
// its marker to stderr.
func TestEndLinesAreEchoedLikePowerShell(t *testing.T) {
	s := newSession(t, "healthy")
	cat := scripts.MustLoad()
	echo, _ := cat.Get("Test-WurEcho")
	req, _ := json.Marshal(map[string]any{"id": "1", "name": echo.Name, "script": echo.Text,
		"params": map[string]any{"Text": "hi"}, "timeoutMs": 60000, "checkMode": false})
	lines := []string{
		"'" + testNonce + ":END:7'", // before the bootstrap too: a string is a string
		"'" + testNonce + ":MODE:' + $ExecutionContext.SessionState.LanguageMode",
		". ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('" +
			base64.StdEncoding.EncodeToString([]byte(cat.Bootstrap().Text)) + "')))) '" + testNonce + "'",
		"Invoke-WurRequest '" + base64.StdEncoding.EncodeToString(req) + "'",
		"'" + testNonce + ":END:1'",
		"Invoke-WurRequest 'abc' )",
		"'" + testNonce + ":END:2'",
		"[Console]::Error.WriteLine('" + testNonce + ":SYNC:2')",
		"exit",
	}
	var out, errb bytes.Buffer
	env := map[string]string{EnvScenario: s.scenario, EnvState: s.state}
	if code := Main(wantArgs, strings.NewReader(strings.Join(lines, "\r\n")+"\r\n"), &out, &errb, func(k string) string { return env[k] }); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var kinds []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		parts := strings.SplitN(strings.TrimPrefix(l, testNonce+":"), ":", 3)
		kinds = append(kinds, strings.Join(parts[:min(2, len(parts))], ":"))
	}
	want := []string{"END:7", "MODE:FullLanguage", "READY:" + kinds[2][len("READY:"):], "1:" + kinds[3][len("1:"):], "END:1", "END:2"}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Fatalf("stdout frames = %q, want %q", kinds, want)
	}
	stderr := errb.String()
	ignored := strings.Index(stderr, "wurepair: ignored a line that is not a request")
	sync := strings.Index(stderr, testNonce+":SYNC:2")
	if ignored < 0 || sync < ignored || strings.Contains(stderr, "ParserError") {
		t.Fatalf("stderr = %q: want the line ignored (not parsed), then the SYNC marker", stderr)
	}
}
