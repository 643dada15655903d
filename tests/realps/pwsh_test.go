package realps

import (
	"testing"

	"github.com/wurepair/wurepair/internal/testpwsh"
)

// findPwsh finds real PowerShell (internal/testpwsh: PATH, then the .NET
// global tool); missing, a loud skip, or a failure in CI.
func findPwsh(t testing.TB) string {
	t.Helper()
	return testpwsh.Find(t, "the scripts through the real bootstrap (tests/realps)")
}
