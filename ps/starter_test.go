package ps

import (
	"slices"
	"testing"
)

func TestHostEnvDropsPSModulePath(t *testing.T) {
	in := []string{"PATH=/bin", "PSModulePath=/home/u/.local/share/powershell/Modules", "psmodulepath=x", "PSModulePathX=keep", "HOME=/root"}
	got := hostEnv(in)
	want := []string{"PATH=/bin", "PSModulePathX=keep", "HOME=/root"}
	if !slices.Equal(got, want) {
		t.Fatalf("hostEnv = %q, want %q", got, want)
	}
}
