package app

import (
	"bytes"
	"context"
	"flag"
	"github.com/wurepair/wurepair/internal/golden"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wurepair/wurepair/internal/testpwsh"
	"github.com/wurepair/wurepair/scripts"
)

var update = flag.Bool("update", false, "rewrite golden files")

// runApp runs the CLI in-process, its state directory (and so its
// default log file) in a temporary directory.
func runApp(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runEnv(t, Env{}, args...)
}

// runEnv is runApp with env's seams (Stdin, IsTerminal, EventLog...).
func runEnv(t *testing.T, env Env, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	env.Stdout, env.Stderr, env.Version = &out, &errb, "test"
	if env.Getenv == nil {
		stateDir := t.TempDir()
		env.Getenv = func(k string) string {
			if k == "WUREPAIR_STATE_DIR" {
				return stateDir
			}
			return ""
		}
	}
	code = Run(context.Background(), append([]string{"wurepair"}, args...), env)
	return out.String(), errb.String(), code
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, "./internal/app", name, got, *update)
}

func TestGoldenOutput(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"help", []string{"--help"}, ExitOK},
		{"repair-help", []string{"repair", "--help"}, ExitOK},
		{"scripts-list", []string{"scripts", "list"}, ExitOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runApp(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut)
			}
			checkGolden(t, tc.name, out)
		})
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bogus"}, ExitUsage, `unknown command "bogus"`},
		{[]string{"scripts", "list", "--output", "yaml"}, ExitUsage, `--output "yaml"`},
		{[]string{"scripts", "show", "Nope"}, ExitUsage, `no script named "Nope"`},
		{[]string{"repair", "nope"}, ExitUsage, `unknown plan "nope"`},
		{[]string{"repair", "datastore"}, ExitUsage, "pass --yes"},
		{[]string{"repair", "--service-timeout", "0", "--dry-run"}, ExitUsage, "--service-timeout"},
		{[]string{"repair", "--no-such-flag"}, ExitUsage, "flag provided but not defined"},
		{[]string{"runs", "show"}, ExitUsage, "one RUN-ID"},
		{[]string{"backups", "prune", "--older-than", "1h"}, ExitUsage, "pass --yes"},
		{[]string{"selftest"}, ExitHost, "powershell executable not found: not on Windows"},
		{[]string{"selftest", "--powershell", "/nonexistent/powershell.exe"}, ExitHost, `"/nonexistent/powershell.exe"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, errOut, code := runApp(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d (want %d), stderr %q (want it to contain %q)", code, tc.code, errOut, tc.want)
			}
		})
	}
}

func TestScriptsShowIsExactText(t *testing.T) {
	c := scripts.MustLoad()
	for _, s := range append(append(c.All(), c.Bootstrap()), c.Library()...) {
		out, _, code := runApp(t, "scripts", "show", s.Name)
		if code != 0 || out != s.Text {
			t.Fatalf("scripts show %s: exit %d, text differs", s.Name, code)
		}
	}
}

func TestScriptsExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if _, errOut, code := runApp(t, "scripts", "export", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	c := scripts.MustLoad()
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(append(c.All(), c.Bootstrap()), c.Library()...) {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(s.File)))
		if err != nil || string(got) != s.Text {
			t.Fatalf("%s not exported byte-exact: %v", s.File, err)
		}
		if !strings.Contains(string(sums), s.SHA256+"  "+s.File) {
			t.Fatalf("SHA256SUMS lacks %s", s.File)
		}
	}
	// An exported script runs alone once the exported library is
	// dot-sourced beside it (issue 19 item 8). Off Windows the library's
	// Get-WurKnownFolder has no answer, so the test replaces it, as the
	// test engines do.
	pwsh := testpwsh.Find(t, "an exported script run alone")
	win := filepath.Join(t.TempDir(), "Windows")
	if err := os.MkdirAll(filepath.Join(win, "System32"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pwsh, "-NoProfile", "-NonInteractive", "-Command",
		"$ErrorActionPreference = 'Stop'; . ./lib/WurSafety.ps1; "+
			"function Get-WurKnownFolder { param([string]$Folder) '"+win+"' }; "+
			"$r = @(./Get-WurDllPresence.ps1 -Names wuapi.dll); [string]$r.Count + ' ' + $r[0].Files[0].Path")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if want := "1 " + filepath.Join(win, "System32", "wuapi.dll"); err != nil || strings.TrimSpace(string(out)) != want {
		t.Fatalf("exported Get-WurDllPresence run alone: %v\n%s\nwant %q", err, out, want)
	}
	// A non-empty directory is refused and left as it was.
	_, errOut, code := runApp(t, "scripts", "export", dir)
	if code != ExitUsage || !strings.Contains(errOut, "not empty") {
		t.Fatalf("second export: exit %d, %s", code, errOut)
	}
}
