package e2e

import (
	"os"
	"strings"
	"testing"
)

// A machine whose policy forbids what wurepair does is refused before any
// probe, exit 4, one message naming the policy and what an administrator
// can do, nothing changed (issue 20 items 11 and 12): WDAC/AppLocker in
// enforce mode (PowerShell's SystemPolicy.GetSystemLockdownPolicy), and a
// Group Policy execution policy of AllSigned or Restricted, which takes
// precedence over -ExecutionPolicy Bypass (about_Execution_Policies).
func TestPolicyForbiddenHostRefused(t *testing.T) {
	for _, tc := range []struct {
		name, field, value string
		says               []string
	}{
		{"wdac-enforce", "lockdownPolicy", "Enforce", []string{"WDAC or AppLocker", "Enforce", "audit mode"}},
		{"gpo-machine-allsigned", "executionPolicyMachine", "AllSigned", []string{"MachinePolicy is AllSigned", "Turn on Script Execution"}},
		{"gpo-user-restricted", "executionPolicyUser", "Restricted", []string{"UserPolicy is Restricted", "User Configuration"}},
	} {
		for _, args := range [][]string{{"diagnose"}, {"repair", "auto", "--yes"}} {
			t.Run(tc.name+"/"+args[0], func(t *testing.T) {
				m := newMachine(t, "kb943144")
				raw, err := os.ReadFile(m.scenario)
				if err != nil {
					t.Fatal(err)
				}
				patched := strings.Replace(string(raw), `"host": {`, `"host": {"`+tc.field+`": "`+tc.value+`", `, 1)
				if patched == string(raw) {
					t.Fatal("scenario has no host profile to patch")
				}
				if err := os.WriteFile(m.scenario, []byte(patched), 0o644); err != nil {
					t.Fatal(err)
				}
				before := m.stateBytes()
				r := m.run(args...)
				if r.code != 4 || strings.Count(r.stderr, "nothing was changed") != 1 {
					t.Fatalf("want exit 4 and one refusal; got %v", r)
				}
				for _, s := range tc.says {
					if !strings.Contains(r.stderr, s) {
						t.Errorf("stderr does not say %q: %s", s, r.stderr)
					}
				}
				if after := m.stateBytes(); after != before {
					t.Fatalf("the machine changed although the host was refused")
				}
			})
		}
	}
	// The Windows default (no WDAC, no Group Policy execution policy) runs.
	m := newMachine(t, "kb943144")
	if r := m.run("detect"); r.code != 1 {
		t.Fatalf("default host: want detect exit 1 (needs repair), got %v", r)
	}
}
