package ps

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestLocatorPrecedence(t *testing.T) {
	exists := func(p string) (string, error) {
		if strings.Contains(p, "missing") {
			return "", fs.ErrNotExist
		}
		return p, nil
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvVar {
				return v
			}
			return ""
		}
	}
	cases := []struct {
		name    string
		loc     Locator
		want    string
		wantErr string
	}{
		{"flag beats env", Locator{Path: `/opt/flag/pwsh`, Getenv: env("/opt/env/pwsh")}, "/opt/flag/pwsh", ""},
		{"env when no flag", Locator{Getenv: env("/opt/env/pwsh")}, "/opt/env/pwsh", ""},
		{"pwsh asked", Locator{Pwsh: true, Getenv: env("")}, "pwsh", ""},
		{"missing flag path named plainly", Locator{Path: `C:\missing\powershell.exe`, Getenv: env("")}, "", `--powershell "C:\missing\powershell.exe"`},
		{"missing env path", Locator{Getenv: env("/missing/ps")}, "", EnvVar + ` "/missing/ps"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.loc.LookPath = exists
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
		})
	}
}
