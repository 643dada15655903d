package ps

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckPolicy(t *testing.T) {
	for _, tc := range []struct {
		name  string
		facts HostFacts
		want  error
		says  []string
	}{
		{"nothing configured (Windows default)", HostFacts{LockdownPolicy: "None", ExecutionPolicyMachine: "Undefined", ExecutionPolicyUser: "Undefined"}, nil, nil},
		{"older bootstrap: unknown", HostFacts{}, nil, nil},
		{"WDAC audit mode only logs", HostFacts{LockdownPolicy: "Audit"}, nil, nil},
		{"WDAC enforced", HostFacts{LockdownPolicy: "Enforce"}, ErrLockdownPolicy, []string{"Enforce", "audit mode", "nothing was changed"}},
		{"machine AllSigned", HostFacts{ExecutionPolicyMachine: "AllSigned"}, ErrExecutionPolicy, []string{"MachinePolicy is AllSigned", "Computer Configuration", "Turn on Script Execution", "RemoteSigned"}},
		{"machine Restricted", HostFacts{ExecutionPolicyMachine: "Restricted", ExecutionPolicyUser: "Undefined"}, ErrExecutionPolicy, []string{"MachinePolicy is Restricted"}},
		{"user AllSigned", HostFacts{ExecutionPolicyMachine: "Undefined", ExecutionPolicyUser: "AllSigned"}, ErrExecutionPolicy, []string{"UserPolicy is AllSigned", "User Configuration"}},
		{"machine RemoteSigned is fine", HostFacts{ExecutionPolicyMachine: "RemoteSigned", ExecutionPolicyUser: "Unrestricted"}, nil, nil},
		{"machine Bypass is fine", HostFacts{ExecutionPolicyMachine: "Bypass"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPolicy(tc.facts)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message does not say %q: %v", s, err)
				}
			}
		})
	}
}
