package ps

import (
	"errors"
	"testing"
)

func TestSysnativePath(t *testing.T) {
	const win = `C:\Windows`
	ps := `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	cases := []struct {
		name  string
		p     string
		wow64 bool
		want  string
	}{
		{"64-bit process keeps System32", ps, false, ps},
		{"wow64 maps System32 to Sysnative", ps, true, `C:\Windows\Sysnative\WindowsPowerShell\v1.0\powershell.exe`},
		{"case and slashes as Windows accepts them", `c:/windows/system32/WindowsPowerShell/v1.0/powershell.exe`, true, `c:\windows\Sysnative\WindowsPowerShell\v1.0\powershell.exe`},
		{"SysWOW64 is left alone (the host check refuses it)", `C:\Windows\SysWOW64\WindowsPowerShell\v1.0\powershell.exe`, true, `C:\Windows\SysWOW64\WindowsPowerShell\v1.0\powershell.exe`},
		{"another folder is left alone", `D:\tools\pwsh.exe`, true, `D:\tools\pwsh.exe`},
		{"a look-alike prefix is not System32", `C:\Windows\System32x\powershell.exe`, true, `C:\Windows\System32x\powershell.exe`},
		{"System32 itself, no file", `C:\Windows\System32`, true, `C:\Windows\System32`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := sysnativePath(win, tc.p, tc.wow64); got != tc.want {
				t.Fatalf("sysnativePath(%q, wow64=%v) = %q, want %q", tc.p, tc.wow64, got, tc.want)
			}
		})
	}
}

func TestCheckBitness(t *testing.T) {
	cases := []struct {
		name        string
		proc, os    bool
		wantRefused bool
	}{
		{"64-bit host on 64-bit Windows", true, true, false},
		{"32-bit host on 32-bit Windows", false, false, false},
		{"32-bit host on 64-bit Windows (WOW64)", false, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBitness(HostFacts{Is64BitProcess: tc.proc, Is64BitOS: tc.os})
			if got := errors.Is(err, ErrWrongBitness); got != tc.wantRefused {
				t.Fatalf("CheckBitness = %v, refused %v, want %v", err, got, tc.wantRefused)
			}
		})
	}
}
