// Package golden compares test output with files under testdata, and
// rewrites them when the test runs with -update.
package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// Check compares got with testdata/<name>.golden, or writes it there when
// update is set. pkg names the package for the hint printed on failure.
func Check(t testing.TB, pkg, name, got string, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test %s -update creates it)", err, pkg)
	}
	if string(want) != got {
		t.Fatalf("%s differs from its golden file (go test %s -update to accept):\n--- got ---\n%s\n--- want ---\n%s", name, pkg, got, want)
	}
}
