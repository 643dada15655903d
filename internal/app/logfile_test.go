package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The log rotates by size and keeps a bounded number of old files, the
// newest entries in the live file, none lost.
func TestRotatingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "logs", "wurepair.log")
	const max, keep = 100, 2
	var all []string
	for round := range 3 { // reopened each round, as each wurepair run does
		r, err := openRotatingFile(path, max, keep)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			line := strings.Repeat("x", 20) + " " + string(rune('a'+round)) + string(rune('0'+i)) + "\n"
			all = append(all, line)
			if _, err := r.Write([]byte(line)); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "wurepair.1.log wurepair.2.log wurepair.log" {
		t.Fatalf("files %v, want the live file and %d old ones", names, keep)
	}
	// Oldest to newest, the files are the tail of what was written.
	var got []byte
	for _, name := range []string{"wurepair.2.log", "wurepair.1.log", "wurepair.log"} {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(path), name))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > max {
			t.Fatalf("%s: %d bytes, over %d", name, len(b), max)
		}
		got = append(got, b...)
	}
	if want := strings.Join(all, ""); !strings.HasSuffix(want, string(got)) || len(got) < 2*max-30 {
		t.Fatalf("rotated files are not the tail of the log:\n%s", got)
	}
}

// A log folder or file that is a link is refused: the log is written as
// SYSTEM and must not append to, or rotate away, a file someone chose.
func TestRotatingFileRefusesLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fileLink := filepath.Join(dir, "a", "wurepair.log")
	if err := os.MkdirAll(filepath.Dir(fileLink), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, fileLink); err != nil {
		t.Fatal(err)
	}
	dirLink := filepath.Join(dir, "b")
	if err := os.Symlink(t.TempDir(), dirLink); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fileLink, filepath.Join(dirLink, "wurepair.log")} {
		if r, err := openRotatingFile(path, 100, 2); err == nil || !strings.Contains(err.Error(), "refused") {
			if r != nil {
				r.Close()
			}
			t.Fatalf("%s: err %v, want refused", path, err)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "precious\n" {
		t.Fatalf("the link's target was written: %q", b)
	}
}

// By default a command logs to the state directory's logs\wurepair.log in
// CMTrace format, from --log-level up; --log-format given applies there
// too; "none" writes no file; a bad level is a usage error.
func TestDefaultLogFile(t *testing.T) {
	cases := []struct {
		name       string
		extra      []string
		want, not  []string
		noFile     bool
		wantStderr string
	}{
		{"default: cmtrace, info", nil, []string{"<![LOG[PowerShell session ready", `component="wurepair"`, `type="1"`}, []string{"Get-WurServiceState"}, false, ""},
		{"debug", []string{"--log-level", "debug"}, []string{"<![LOG[Get-WurServiceState"}, nil, false, ""},
		{"warning only", []string{"--log-level", "warning"}, nil, []string{"session ready"}, false, ""},
		{"json when asked", []string{"--log-format", "json"}, []string{`"msg":"PowerShell session ready"`}, []string{"<![LOG["}, false, ""},
		{"none", []string{"--log-file", "none"}, nil, nil, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			flags, stateDir := simulated(t, "healthy")
			_, errOut, code := runApp(t, append(append([]string{"diagnose"}, flags...), tc.extra...)...)
			if code != ExitOK || errOut != tc.wantStderr {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			b, err := os.ReadFile(defaultLogPath(stateDir))
			if tc.noFile {
				if err == nil {
					t.Fatalf("--log-file none wrote %s", defaultLogPath(stateDir))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !bytes.Contains(b, []byte(w)) {
					t.Errorf("log lacks %q:\n%s", w, b)
				}
			}
			for _, n := range tc.not {
				if bytes.Contains(b, []byte(n)) {
					t.Errorf("log has %q:\n%s", n, b)
				}
			}
		})
	}
	_, errOut, code := runApp(t, "diagnose", "--log-level", "chatty")
	if code != ExitUsage {
		t.Fatalf("bad --log-level: exit %d", code)
	}
	oneErrorLine(t, errOut, `--log-level "chatty"`, "see `wurepair diagnose --help`")
}

// A default log file that cannot be written costs a warning, not the run;
// an explicit one that cannot is a usage error.
func TestLogFileUnwritable(t *testing.T) {
	flags, stateDir := simulated(t, "healthy")
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stateDir, "logs"), nil, 0o644); err != nil { // a file where the folder goes
		t.Fatal(err)
	}
	_, errOut, code := runApp(t, append([]string{"diagnose"}, flags...)...)
	if code != ExitOK || !strings.Contains(errOut, "no log file") || !strings.Contains(errOut, "--log-file none") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = runApp(t, append([]string{"diagnose", "--log-file", filepath.Join(stateDir, "logs", "x.log")}, flags...)...)
	if code != ExitUsage || !strings.Contains(errOut, "--log-file") {
		t.Fatalf("explicit unwritable log: exit %d, stderr %q", code, errOut)
	}
}
