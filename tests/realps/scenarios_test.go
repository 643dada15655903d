package realps

import (
	"path/filepath"
	"runtime"
	"testing"
)

// scenarioPath is tests/scenarios/<name>.json.
func scenarioPath(t testing.TB, name string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "..", "scenarios", name+".json")
}
