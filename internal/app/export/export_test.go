package export

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// table is a stand-in for internal/app's exit-code table (the app package
// tests that the real table reaches the scripts).
func table() []ExitCode {
	return []ExitCode{
		{0, "success"}, {1, "failure, rolled back"}, {2, "usage error"}, {3, "partial: see the run's journal"},
		{4, "PowerShell unusable"}, {1618, "another run in progress"}, {3010, "success, reboot required"},
	}
}

// goldenExe stands for the packaged wurepair.exe in the golden files.
var goldenExe = []byte("MZ golden wurepair.exe")

func TestGoldenPackages(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			d, err := NewData(kind, "1.2.3", table(), goldenExe, Options{PruneAfter: DefaultPruneAfter})
			if err != nil {
				t.Fatal(err)
			}
			files, err := Files(d)
			if err != nil {
				t.Fatal(err)
			}
			root := filepath.Join("testdata", "golden", kind)
			if *update {
				_ = os.RemoveAll(root)
			}
			var names []string
			for n, got := range files {
				names = append(names, n)
				p := filepath.Join(root, filepath.FromSlash(n))
				if *update {
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(p)
				if err != nil {
					t.Fatalf("%v (go test ./internal/app/export -update creates it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from its golden file (go test ./internal/app/export -update to accept):\n--- got ---\n%s", n, got)
				}
			}
			// No golden file left over from a file the package no longer has.
			sort.Strings(names)
			var onDisk []string
			_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
				if err == nil && !fi.IsDir() {
					rel, _ := filepath.Rel(root, p)
					onDisk = append(onDisk, filepath.ToSlash(rel))
				}
				return err
			})
			sort.Strings(onDisk)
			if strings.Join(onDisk, ",") != strings.Join(names, ",") {
				t.Errorf("golden files %v, package files %v", onDisk, names)
			}
		})
	}
}

func TestScriptsAreASCIIWithCRLF(t *testing.T) {
	for _, kind := range Kinds {
		d, _ := NewData(kind, "1.2.3", table(), goldenExe, Options{PruneAfter: DefaultPruneAfter})
		files, err := Files(d)
		if err != nil {
			t.Fatal(err)
		}
		for n, b := range files {
			if bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")) {
				t.Errorf("%s/%s: a line ends in LF alone", kind, n)
			}
			for i, c := range b {
				if c > 0x7e {
					t.Errorf("%s/%s: byte %d is not ASCII (Windows PowerShell 5.1 would read it in the ANSI code page)", kind, n, i)
					break
				}
			}
			if strings.HasSuffix(n, ".ps1") {
				for _, want := range []string{"[CmdletBinding()]", "Set-StrictMode -Version Latest", "$ErrorActionPreference = 'Stop'"} {
					if !bytes.Contains(b, []byte(want)) {
						t.Errorf("%s/%s lacks %s", kind, n, want)
					}
				}
				for _, bad := range []string{"Write-Host", "Write-Error", "[Console]::Error", "??", "?."} {
					if bytes.Contains(b, []byte(bad)) {
						t.Errorf("%s/%s uses %s (stderr, or pwsh-7-only syntax)", kind, n, bad)
					}
				}
			}
		}
	}
}

func TestNewDataRefuses(t *testing.T) {
	noReboot := table()[:6]
	dup := append(table(), ExitCode{0, "again"})
	cases := []struct {
		name    string
		kind    string
		version string
		codes   []ExitCode
		exe     []byte
	}{
		{"unknown kind", "sms", "1.2.3", table(), goldenExe},
		{"quote in version", "intune", "1.2'3", table(), goldenExe},
		{"empty version", "intune", "", table(), goldenExe},
		{"no exe", "intune", "1.2.3", table(), nil},
		{"table without 3010", "sccm", "1.2.3", noReboot, goldenExe},
		{"repeated code", "sccm", "1.2.3", dup, goldenExe},
		{"non-ASCII meaning", "sccm", "1.2.3", append(table()[:6:6], ExitCode{3010, "redémarrage"}), goldenExe},
	}
	for _, tc := range cases {
		if _, err := NewData(tc.kind, tc.version, tc.codes, tc.exe, Options{}); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if CheckExe([]byte("#!/bin/sh")) == nil || CheckExe(goldenExe) != nil {
		t.Error("CheckExe does not tell an MZ file from another")
	}
}

func TestConfigMgrTypes(t *testing.T) {
	want := map[int]string{0: "Success", 1: "Failure", 2: "Failure", 3: "Failure", 4: "Failure", 1618: "Fast Retry", 3010: "Soft Reboot"}
	for _, c := range table() {
		if got := c.ConfigMgrType(); got != want[c.Code] {
			t.Errorf("%d: %s, want %s", c.Code, got, want[c.Code])
		}
	}
}

func TestWrite(t *testing.T) {
	d, _ := NewData("intune", "1.2.3", table(), goldenExe, Options{PruneAfter: DefaultPruneAfter})
	dir := filepath.Join(t.TempDir(), "new")
	names, err := Write(dir, d, goldenExe)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ExePath["intune"]))); !bytes.Equal(got, goldenExe) {
		t.Fatal("the exe was not packaged")
	}
	if len(names) != len(layout["intune"])+1 {
		t.Fatalf("wrote %v", names)
	}
	if _, err := Write(dir, d, goldenExe); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a second export into the same directory: %v", err)
	}
}
