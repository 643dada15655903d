package e2e

import (
	"testing"

	"github.com/wurepair/wurepair/tests/fakehost"
)

// seedState writes the scenario's machine to the state file, exactly as
// the fake host saves it, so that "unchanged" can be checked byte for byte.
func seedState(t *testing.T, m *machine) {
	t.Helper()
	mm, err := fakehost.OpenMachine(m.scenario, m.state)
	if err != nil {
		t.Fatal(err)
	}
	if err := mm.Save(); err != nil {
		t.Fatal(err)
	}
}
