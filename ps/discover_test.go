package ps

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type fakeFile struct{ dir bool }

func (f fakeFile) Name() string       { return "x" }
func (f fakeFile) Size() int64        { return 0 }
func (f fakeFile) Mode() fs.FileMode  { return 0o755 }
func (f fakeFile) ModTime() time.Time { return time.Time{} }
func (f fakeFile) IsDir() bool        { return f.dir }
func (f fakeFile) Sys() any           { return nil }

func TestLocatorPrecedence(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	stat := func(p string) (fs.FileInfo, error) {
		switch {
		case strings.Contains(p, "missing"):
			return nil, fs.ErrNotExist
		case strings.HasSuffix(p, "folder"):
			return fakeFile{dir: true}, nil
		}
		return fakeFile{}, nil
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvVar {
				return v
			}
			return ""
		}
	}
	// An explicit path is never looked up on PATH: this LookPath would
	// answer with a PATH hit for anything.
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	pathHit := func(name string) (string, error) { return filepath.Join(abs("/usr/evil/bin"), name), nil }
	cases := []struct {
		name    string
		loc     Locator
		want    string
		wantErr string
	}{
		{"flag beats env", Locator{Path: abs("/opt/flag/pwsh"), Getenv: env(abs("/opt/env/pwsh"))}, abs("/opt/flag/pwsh"), ""},
		{"env when no flag", Locator{Getenv: env(abs("/opt/env/pwsh"))}, abs("/opt/env/pwsh"), ""},
		{"relative flag from the working directory, not PATH", Locator{Path: "pwsh", Getenv: env("")}, filepath.Join(wd, "pwsh"), ""},
		{"relative env from the working directory", Locator{Getenv: env(filepath.Join("tools", "ps"))}, filepath.Join(wd, "tools", "ps"), ""},
		{"pwsh asked: PATH, absolute", Locator{Pwsh: true, Getenv: env("")}, filepath.Join(abs("/usr/evil/bin"), "pwsh"), ""},
		{"missing flag path named plainly", Locator{Path: `C:\missing\powershell.exe`, Getenv: env("")}, "", `--powershell "C:\missing\powershell.exe"`},
		{"missing env path", Locator{Getenv: env("/missing/ps")}, "", EnvVar + ` "/missing/ps"`},
		{"a folder is not PowerShell", Locator{Path: "/opt/folder", Getenv: env("")}, "", "is a directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.loc.LookPath, tc.loc.Stat = pathHit, stat
			got, err := tc.loc.Find()
			if tc.wantErr != "" {
				if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want ErrNotFound naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if !filepath.IsAbs(got) {
				t.Fatalf("%q is not absolute", got)
			}
		})
	}
}

func TestLocatorPwshRefusesRelativePathHits(t *testing.T) {
	for name, look := range map[string]func(string) (string, error){
		"ErrDot":   func(string) (string, error) { return "./pwsh", exec.ErrDot },
		"relative": func(string) (string, error) { return filepath.Join("bin", "pwsh"), nil },
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Locator{Pwsh: true, Getenv: func(string) string { return "" }, LookPath: look}.Find()
			if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "--powershell") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
