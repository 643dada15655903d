package app

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
)

// hostile is text a machine can hand wurepair (a folder name, a script
// error): a terminal escape that retitles the window and clears the
// screen, a bell, a bidirectional override, and a CR/LF that would start
// a forged line.
const hostile = "Con\x1b]0;owned\x07\x1b[2Jfig\u202e\r\nrecommended: nothing to do, all healthy"

// noRawControl fails when out holds a character a terminal acts on, or
// the forged line starts a line of its own.
func noRawControl(t *testing.T, what, out string) {
	t.Helper()
	for _, c := range []string{"\x1b", "\x07", "\u202e"} {
		if strings.Contains(out, c) {
			t.Errorf("%s: raw %q reached the output:\n%s", what, c, out)
		}
	}
	if strings.Contains(strings.ReplaceAll(out, "\r\n", "\n"), "\r") {
		t.Errorf("%s: a bare CR reached the output:\n%q", what, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "recommended: nothing to do") {
			t.Errorf("%s: the host's CR/LF forged a line: %q", what, l)
		}
	}
}

// Issue 19, item 5: ESC sequences and CR/LF in text from the machine
// reached the terminal as they were. Two ways in: what a broken or
// hostile PowerShell writes to stderr (shown when it fails to start), and
// names on the machine (Windows allows no control characters in file
// names, but a bidirectional override is allowed: a junction planted in
// DataStore named with one). Both are shown escaped, on stdout and
// stderr, in text and JSON.
func TestHostTextEscapedOnTheTerminal(t *testing.T) {
	const ds = `C:\Windows\SoftwareDistribution\DataStore`
	const bidi = "Con\u202efig.exe"
	flags, _ := simulated(t, "junction", func(m map[string]any) {
		files := m["files"].(map[string]any)
		files[ds+`\`+bidi] = files[ds+`\Config`]
		delete(files, ds+`\Config`)
	})
	for _, args := range [][]string{
		{"diagnose"}, {"diagnose", "--output", "json"},
	} {
		out, errOut, code := runApp(t, append(args, flags...)...)
		if !strings.Contains(out, `Con\u202efig.exe`) {
			t.Errorf("%v: exit %d: the name is not shown escaped:\n%s\n%s", args, code, out, errOut)
		}
		noRawControl(t, strings.Join(args, " ")+" stdout", out)
		noRawControl(t, strings.Join(args, " ")+" stderr", errOut)
		if strings.Contains(strings.Join(args, " "), "json") && !json.Valid([]byte(out)) {
			t.Errorf("%v: escaped JSON is not JSON:\n%s", args, out)
		}
	}
	// A host that writes escapes and CR/LF to stderr and dies at start.
	path := os.Getenv("WUREPAIR_FAKEHOST_SCENARIO")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sc map[string]any
	if err := json.Unmarshal(raw, &sc); err != nil {
		t.Fatal(err)
	}
	sc["faults"] = map[string]any{"stderrAtStart": hostile, "exitAtStart": 3}
	if raw, err = json.Marshal(sc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"diagnose"}, {"diagnose", "--verbose", "--log-format", "cmtrace"}, {"repair", "--yes"}} {
		out, errOut, code := runApp(t, append(args, flags...)...)
		if code != ExitHost || !strings.Contains(errOut, `\u001b]0;owned\u0007`) {
			t.Errorf("%v: exit %d: the host's stderr is not shown escaped:\n%s", args, code, errOut)
		}
		noRawControl(t, strings.Join(args, " ")+" stdout", out)
		noRawControl(t, strings.Join(args, " ")+" stderr", errOut)
	}
}

// The logging seam writes every message and field on one line, escaped,
// in every format, to the log file and to stderr: a script error cannot
// forge a CMTrace record or a text line.
func TestHostTextEscapedInLogs(t *testing.T) {
	for _, format := range []string{"text", "json", "cmtrace"} {
		f, err := formatter(format)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		log := logrus.New()
		log.SetOutput(&bytes.Buffer{})
		log.AddHook(&sinkHook{w: safeTerminal(&buf), f: f, max: logrus.DebugLevel})
		log.WithField("error", hostile+"]LOG]!><![LOG[forged").WithField("code", 5).Warn("Get-WurServiceState: " + hostile)
		out := buf.String()
		noRawControl(t, format, out)
		if n := strings.Count(strings.TrimSuffix(out, "\n"), "\n"); n != 0 {
			t.Errorf("%s: one entry took %d lines:\n%s", format, n+1, out)
		}
		if format == "json" {
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil || m["code"] != float64(5) {
				t.Errorf("json entry: %v %v", m, err)
			}
		}
	}
	// The Event Log's summary line, too.
	if txt := eventText(hostile, runEvent{}, 0, false); strings.ContainsAny(txt, "\x1b\x07") || strings.Contains(txt, "\nrecommended") {
		t.Errorf("event text: %q", txt)
	}
}
