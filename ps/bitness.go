package ps

import (
	"errors"
	"fmt"
	"strings"
)

// ErrWrongBitness: a 32-bit PowerShell on 64-bit Windows. DISM refuses to
// service the image from WOW64 and its registry reads land in WOW6432Node,
// so such a host would diagnose the wrong machine.
var ErrWrongBitness = errors.New("PowerShell runs as a 32-bit process on 64-bit Windows")

// CheckBitness refuses a host whose facts say it is a WOW64 process.
func CheckBitness(f HostFacts) error {
	if f.Is64BitOS && !f.Is64BitProcess {
		return fmt.Errorf("%w: wurepair needs the 64-bit Windows PowerShell (%%SystemRoot%%\\System32\\WindowsPowerShell\\v1.0\\powershell.exe, started from a 64-bit process or through Sysnative); do not pass the SysWOW64 one", ErrWrongBitness)
	}
	return nil
}

// sysnativePath maps p to the 64-bit System32 when wurepair itself is a
// 32-bit process on 64-bit Windows (wow64): there the file system
// redirector turns <windir>\System32 into SysWOW64, so a path that says
// System32 would start the 32-bit PowerShell. <windir>\Sysnative is the
// documented alias that is never redirected. Other paths are kept.
// Comparison is case-insensitive and accepts / as a separator, as Windows does.
func sysnativePath(windowsDir, p string, wow64 bool) string {
	if !wow64 || windowsDir == "" {
		return p
	}
	norm := strings.ReplaceAll(p, "/", `\`)
	prefix := strings.TrimRight(strings.ReplaceAll(windowsDir, "/", `\`), `\`) + `\System32\`
	if len(norm) < len(prefix) || !strings.EqualFold(norm[:len(prefix)], prefix) {
		return p
	}
	return norm[:len(prefix)-len(`System32\`)] + `Sysnative\` + norm[len(prefix):]
}
