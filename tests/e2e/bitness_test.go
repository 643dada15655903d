package e2e

import (
	"os"
	"strings"
	"testing"
)

// A 32-bit PowerShell on 64-bit Windows (the SysWOW64 one, or any host a
// WOW64 process started without Sysnative) would read the WOW6432Node
// registry view and cannot run DISM: wurepair refuses it before any probe,
// with exit 4 and a message saying which PowerShell to use.
func TestWow64HostRefused(t *testing.T) {
	for _, args := range [][]string{{"selftest"}, {"diagnose"}, {"repair", "auto", "--yes"}} {
		t.Run(args[0], func(t *testing.T) {
			m := newMachine(t, "healthy")
			raw, err := os.ReadFile(m.scenario)
			if err != nil {
				t.Fatal(err)
			}
			patched := strings.Replace(string(raw), `"is64BitProcess": true`, `"is64BitProcess": false`, 1)
			if patched == string(raw) {
				t.Fatal("scenario has no is64BitProcess to patch")
			}
			if err := os.WriteFile(m.scenario, []byte(patched), 0o644); err != nil {
				t.Fatal(err)
			}
			before := m.stateBytes()
			r := m.run(args...)
			if r.code != 4 || !strings.Contains(r.stderr, "32-bit process on 64-bit Windows") || !strings.Contains(r.stderr, "System32") {
				t.Fatalf("want exit 4 naming the 32-bit host and the 64-bit PowerShell to use; got %v", r)
			}
			if after := m.stateBytes(); after != before {
				t.Fatalf("the machine changed although the host was refused")
			}
		})
	}
}
