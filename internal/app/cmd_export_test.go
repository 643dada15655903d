package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wurepair/wurepair/internal/app/export"
	"github.com/wurepair/wurepair/internal/testpwsh"
)

// The packages are generated from the one exit-code table: every code
// exitcodes.go defines, with the meaning --help shows.
func TestExitCodeTableReachesExport(t *testing.T) {
	got := map[int]string{}
	for _, c := range exitCodeTable() {
		got[c.Code] = c.Meaning
	}
	codes := []int{ExitOK, ExitFailure, ExitUsage, ExitPartial, ExitHost, ExitUntrusted, ExitUnfinished, ExitRebootPending, ExitRecurring, ExitNotElevated, ExitUnknown, ExitBusy, ExitRebootRequired}
	for _, code := range codes {
		if got[code] == "" || !strings.Contains(exitCodesHelp, got[code]) {
			t.Errorf("exit code %d: meaning %q not taken from exitCodesHelp", code, got[code])
		}
	}
	if len(got) != len(codes) {
		t.Errorf("table has %d codes: %v", len(got), got)
	}
}

func TestExportCommand(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "wurepair.exe")
	if err := os.WriteFile(exe, []byte("MZ test"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "pkg")
	out, errOut, code := runApp(t, "export", "sccm", dir, "--exe", exe)
	if code != ExitOK || !strings.Contains(out, "Application/ReturnCodes.csv") {
		t.Fatalf("export sccm: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "Application", "ReturnCodes.csv"))
	for _, want := range []string{"0,Success,", "3010,Soft Reboot,", "1618,Fast Retry,", "3,Failure,\"partial"} {
		if !strings.Contains(string(csv), want) {
			t.Errorf("ReturnCodes.csv lacks %q:\n%s", want, csv)
		}
	}
	linux := filepath.Join(t.TempDir(), "wurepair")
	_ = os.WriteFile(linux, []byte("\x7fELF"), 0o755)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "intune", dir, "--exe", exe}, ExitFailure, "not empty"},
		{[]string{"export", "intune", "--exe", exe}, ExitUsage, "one DIR"},
		{[]string{"export", "intune", t.TempDir() + "/x", "--exe", linux}, ExitUsage, "no MZ header"},
		{[]string{"export", "intune", t.TempDir() + "/y", "--exe", "/nonexistent.exe"}, ExitUsage, "--exe"},
	}
	if runtime.GOOS != "windows" {
		cases = append(cases, struct {
			args []string
			code int
			want string
		}{[]string{"export", "intune", t.TempDir() + "/z"}, ExitUsage, "pass --exe"})
	}
	for _, tc := range cases {
		_, errOut, code := runApp(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", tc.args, code, tc.code, errOut, tc.want)
		}
	}
}

// findPwsh returns real PowerShell 7 (internal/testpwsh); missing, a
// loud skip, or a failure in CI.
func findPwsh(t *testing.T) string {
	t.Helper()
	return testpwsh.Find(t, "the generated Intune/ConfigMgr scripts were not run")
}

// stub writes a shell script standing in for wurepair.exe: it records its
// arguments (one per line) in the file the driver names for each case, writes a line to stdout and one to
// stderr, and exits with code.
func stub(t *testing.T, dir string, code int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "wurepair.exe")
	text := "#!/bin/sh\nprintf '%s\\n' \"$@\" >> \"$WUREPAIR_STUB_ARGS\"\necho 'stub stdout: exit " + itoa(code) + "'\necho 'stub stderr line' >&2\nexit " + itoa(code) + "\n"
	if err := os.WriteFile(p, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func itoa(n int) string { return strconv.Itoa(n) }

// psCase is one run of one generated script.
type psCase struct {
	ID       string            `json:"id"`
	Script   string            `json:"script"`
	Params   map[string]string `json:"params"`
	Switches []string          `json:"switches"`
	// Function, when set, calls this function of the script (found with
	// PowerShell's parser) with -ExitCode Code instead of running the script:
	// Linux cannot make a process exit 1618 or 3010 (8-bit exit status).
	Function string `json:"function"`
	Code     int    `json:"code"`
	// expectations
	exit     int
	stdout   []string // substrings; "" alone means: stdout must be empty
	args     string   // the stub's recorded arguments, "-" = stub must not have run
	throws   bool     // the script throws (ConfigMgr's failed remediation): stdout is then the error's text
	ArgsFile string   `json:"argsFile"`
}

// The driver runs each script as Intune and ConfigMgr do (a script file
// with parameters, `exit N` becoming the exit code) in one pwsh process:
// starting pwsh costs seconds here. Errors (stderr) are collected apart.
const psDriver = `
$ErrorActionPreference = 'Stop'
$cases = Get-Content -LiteralPath $args[0] -Raw | ConvertFrom-Json
if ($args[1] -eq 'clm') { $ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage' }
foreach ($c in $cases) {
    $p = @{}
    foreach ($prop in $c.params.PSObject.Properties) { $p[$prop.Name] = [string]$prop.Value }
    foreach ($s in $c.switches) { $p[$s] = $true }
    $env:WUREPAIR_STUB_ARGS = $c.argsFile
    $global:LASTEXITCODE = -999
    $out = @(); $err = @()
    try {
        if ($c.function) {
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($c.script, [ref]$null, [ref]$null)
            $fn = $ast.Find({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] -and $n.Name -eq $c.function }, $true)
            . ([ScriptBlock]::Create($fn.Extent.Text))
            $out += [string](& $c.function -ExitCode $c.code)
            $global:LASTEXITCODE = 0
            $all = @()
        } else {
            $all = @(& $c.script @p 2>&1)
        }
        foreach ($o in $all) {
            if ($o -is [System.Management.Automation.ErrorRecord]) { $err += [string]$o } else { $out += [string]$o }
        }
        $code = $global:LASTEXITCODE
    } catch {
        $err += 'uncaught: ' + $_.Exception.Message
        $code = -1
    }
    Write-Output (ConvertTo-Json -Compress -InputObject @{ id = $c.id; exit = $code; stdout = ($out -join "` + "`n" + `"); stderr = ($err -join "` + "`n" + `") })
}
`

func runPwshCases(t *testing.T, pwsh string, cases []psCase, mode string) map[string]struct {
	Exit   int
	Stdout string
	Stderr string
} {
	t.Helper()
	dir := t.TempDir()
	casesFile := filepath.Join(dir, "cases.json")
	b, _ := json.Marshal(cases)
	_ = os.WriteFile(casesFile, b, 0o644)
	driver := filepath.Join(dir, "driver.ps1")
	_ = os.WriteFile(driver, []byte(psDriver), 0o644)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-File", driver, casesFile, mode)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pwsh driver: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	// A script writing to the process's stderr directly ([Console]::Error)
	// lands here, not in the error stream the driver collects per case.
	if stderr.Len() != 0 {
		t.Errorf("a script wrote to stderr (Intune/ConfigMgr count that as a script error): %q", stderr.String())
	}
	res := map[string]struct {
		Exit   int
		Stdout string
		Stderr string
	}{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var r struct {
			ID     string `json:"id"`
			Exit   int    `json:"exit"`
			Stdout string `json:"stdout"`
			Stderr string `json:"stderr"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("driver line %q: %v", line, err)
		}
		res[r.ID] = struct {
			Exit   int
			Stdout string
			Stderr string
		}{r.Exit, r.Stdout, r.Stderr}
	}
	return res
}

func exportForTest(t *testing.T, kind string, exe []byte) string {
	t.Helper()
	d, err := export.NewData(kind, "1.2.3", exitCodeTable(), exe, export.Options{PruneAfter: export.DefaultPruneAfter})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), kind)
	if _, err := export.Write(dir, d, exe); err != nil {
		t.Fatal(err)
	}
	// Linux needs the exec bit Windows does not have (the stub is a shell script).
	if err := os.Chmod(filepath.Join(dir, filepath.FromSlash(export.ExePath[kind])), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGeneratedScriptsUnderPwsh runs every generated script under real
// PowerShell 7 against a stub wurepair.exe for each exit code and checks
// the script's exit code, its one output line, that nothing reached
// stderr, and the arguments the stub was given.
func TestGeneratedScriptsUnderPwsh(t *testing.T) {
	pwsh := findPwsh(t)
	work := t.TempDir()
	// The packaged exe is the stub for exit 0 (so the install scripts'
	// SHA-256 check passes and -Repair runs it).
	pkgStub := stub(t, filepath.Join(work, "pkgsrc"), 0)
	pkgBytes, _ := os.ReadFile(pkgStub)
	intune := exportForTest(t, "intune", pkgBytes)
	sccm := exportForTest(t, "sccm", pkgBytes)
	logs := filepath.Join(work, "logs")
	_ = os.MkdirAll(logs, 0o755)

	var cases []psCase
	add := func(c psCase) { cases = append(cases, c) }
	missing := filepath.Join(work, "nowhere", "wurepair.exe")
	detect := func(kind, script string, code, exit int, stdout ...string) {
		dir := filepath.Join(work, kind+filepath.Base(script)+itoa(code))
		exe := stub(t, dir, code)
		add(psCase{ID: kind + "/" + filepath.Base(script) + "/" + itoa(code), Script: script, Params: map[string]string{"WurepairPath": exe},
			exit: exit, stdout: stdout, args: "detect"})
	}
	repair := func(kind, script string, code, exit int, logDir, logFile string, stdout ...string) {
		dir := filepath.Join(work, kind+filepath.Base(script)+itoa(code)+filepath.Base(logDir))
		exe := stub(t, dir, code)
		logArgs := ""
		if logFile != "" {
			logArgs = "\n--log-file\n" + filepath.Join(logDir, logFile)
		}
		// No --log-format: the file is CMTrace by default, stderr stays plain text.
		want := "repair\nauto\n--yes\n--recover" + logArgs
		if kind == "sccm" { // under ConfigMgr's 600 s script timeout
			want = "repair\nauto\n--yes\n--recover\n--max-duration\n540s" + logArgs
		}
		if code == 0 { // after a success: prune old backups
			want += "\nbackups\nprune\n--older-than\n30d\n--yes" + logArgs
		}
		add(psCase{ID: kind + "/" + filepath.Base(script) + "/" + itoa(code) + "/" + filepath.Base(logDir), Script: script,
			Params: map[string]string{"WurepairPath": exe, "LogDirectory": logDir},
			exit:   exit, stdout: stdout, args: want, throws: exit < 0})
	}

	// Intune Remediations detection: exit 1 (and only 1) asks for remediation,
	// and Intune treats every other exit as "no issue": anything that is not
	// a clear "healthy" must be 1.
	det := filepath.Join(intune, "Remediations", "Detect-WurepairHealth.ps1")
	detect("intune", det, 0, 0, "wurepair detect: exit 0 (success", "stub stdout: exit 0", "| stub stderr line")
	detect("intune", det, 1, 1, "wurepair detect: exit 1 (failure")
	detect("intune", det, 2, 1, "cannot tell: wurepair detect: exit 2 (usage error")
	detect("intune", det, 3, 1, "cannot tell: wurepair detect: exit 3 (partial")
	detect("intune", det, 4, 1, "cannot tell: wurepair detect: exit 4 (PowerShell unusable")
	detect("intune", det, 10, 1, "cannot tell: wurepair detect: exit 10 (cannot tell")
	detect("intune", det, 42, 1, "exit 42 (not a wurepair exit code)")
	add(psCase{ID: "intune/detect/missing", Script: det, Params: map[string]string{"WurepairPath": missing}, exit: 1, stdout: []string{"cannot tell: wurepair is not installed: " + missing}, args: "-"})
	notExe := filepath.Join(work, "notexe", "wurepair.exe")
	_ = os.MkdirAll(filepath.Dir(notExe), 0o755)
	_ = os.WriteFile(notExe, []byte("not a program"), 0o644)
	add(psCase{ID: "intune/detect/does not start", Script: det, Params: map[string]string{"WurepairPath": notExe}, exit: 1, stdout: []string{"cannot tell: wurepair detect could not be started"}, args: "-"})

	// Intune remediation.
	rem := filepath.Join(intune, "Remediations", "Remediate-WurepairHealth.ps1")
	repair("intune", rem, 0, 0, logs, "wurepair-intune.log", "wurepair repair auto --yes --recover: exit 0 (success")
	repair("intune", rem, 1, 1, logs, "wurepair-intune.log", "exit 1 (failure, changes rolled back")
	repair("intune", rem, 3, 3, logs, "wurepair-intune.log", "exit 3 (partial")
	repair("intune", rem, 4, 4, logs, "wurepair-intune.log", "exit 4 (PowerShell unusable")
	repair("intune", rem, 10, 10, logs, "wurepair-intune.log", "exit 10 (cannot tell")
	repair("intune", rem, 8, 8, logs, "wurepair-intune.log", "exit 8 (repair refused: the same problem came back")
	repair("intune", rem, 0, 0, filepath.Join(work, "nologs"), "", "exit 0") // no log folder: no --log-file
	add(psCase{ID: "intune/remediate/missing", Script: rem, Params: map[string]string{"WurepairPath": missing, "LogDirectory": logs}, exit: 2, stdout: []string{"wurepair is not installed"}, args: "-"})

	// Win32 app: install, detection rule, uninstall.
	pf := filepath.Join(work, "pf", "wurepair", "wurepair.exe")
	install := filepath.Join(intune, "Win32App", "source", "Install-Wurepair.ps1")
	detInst := filepath.Join(intune, "Win32App", "Detect-WurepairInstalled.ps1")
	uninstall := filepath.Join(intune, "Win32App", "source", "Uninstall-Wurepair.ps1")
	other := stub(t, filepath.Join(work, "other"), 5)
	add(psCase{ID: "intune/detect-installed/before", Script: detInst, Params: map[string]string{"WurepairPath": pf}, exit: 0, stdout: []string{""}, args: "-"})
	add(psCase{ID: "intune/install", Script: install, Params: map[string]string{"WurepairPath": pf}, exit: 0, stdout: []string{"installed wurepair 1.2.3 to " + pf}, args: "eventsource\ninstall"})
	add(psCase{ID: "intune/detect-installed/after", Script: detInst, Params: map[string]string{"WurepairPath": pf}, exit: 0, stdout: []string{"wurepair 1.2.3 installed at " + pf}, args: "-"})
	add(psCase{ID: "intune/detect-installed/other exe", Script: detInst, Params: map[string]string{"WurepairPath": other}, exit: 0, stdout: []string{""}, args: "-"})
	add(psCase{ID: "intune/install/wrong source", Script: install, Params: map[string]string{"WurepairPath": pf, "Source": other}, exit: 1, stdout: []string{"is not the wurepair.exe this package was exported for"}, args: "-"})
	add(psCase{ID: "intune/uninstall", Script: uninstall, Params: map[string]string{"WurepairPath": pf}, exit: 0, stdout: []string{"removed " + pf}, args: "eventsource\nremove"})
	add(psCase{ID: "intune/detect-installed/uninstalled", Script: detInst, Params: map[string]string{"WurepairPath": pf}, exit: 0, stdout: []string{""}, args: "-"})
	add(psCase{ID: "intune/uninstall/again", Script: uninstall, Params: map[string]string{"WurepairPath": pf}, exit: 0, stdout: []string{"removed"}, args: "-"})
	// In use: wurepair.exe running from the installed path (a repair in progress).
	running := runningExe(t, filepath.Join(work, "busy", "wurepair", "wurepair.exe"))
	add(psCase{ID: "intune/install/in use", Script: install, Params: map[string]string{"WurepairPath": running}, exit: 1618, stdout: []string{"install deferred: " + running + " is running"}, args: "-"})
	add(psCase{ID: "intune/uninstall/in use", Script: uninstall, Params: map[string]string{"WurepairPath": running}, exit: 1618, stdout: []string{"uninstall deferred"}, args: "-"})

	// ConfigMgr application: install-only, detected by hash like Intune's;
	// the Repair program (install -Repair) returns wurepair's code.
	pf2 := filepath.Join(work, "pf2", "wurepair", "wurepair.exe")
	sInstall := filepath.Join(sccm, "Application", "source", "Install-Wurepair.ps1")
	sDetect := filepath.Join(sccm, "Application", "Detect-WurepairApplication.ps1")
	add(psCase{ID: "sccm/detect-app/not installed", Script: sDetect, Params: map[string]string{"WurepairPath": pf2}, exit: 0, stdout: []string{""}, args: "-"})
	add(psCase{ID: "sccm/install -Repair", Script: sInstall, Params: map[string]string{"WurepairPath": pf2, "LogDirectory": logs}, Switches: []string{"Repair"},
		exit: 0, stdout: []string{"wurepair repair auto --yes --recover --max-duration 540s: exit 0 (success"}, args: "eventsource\ninstall\nrepair\nauto\n--yes\n--recover\n--max-duration\n540s\n--log-file\n" + filepath.Join(logs, "wurepair-configmgr.log")})
	add(psCase{ID: "sccm/detect-app/installed", Script: sDetect, Params: map[string]string{"WurepairPath": pf2}, exit: 0, stdout: []string{"wurepair 1.2.3 installed at " + pf2}, args: "-"})
	for _, code := range []int{1, 4} { // installed path holds another exe: not detected, never run
		dir := filepath.Join(work, "sdet"+itoa(code))
		exe := stub(t, dir, code)
		add(psCase{ID: "sccm/detect-app/other exe " + itoa(code), Script: sDetect, Params: map[string]string{"WurepairPath": exe}, exit: 0, stdout: []string{""}, args: "-"})
	}
	add(psCase{ID: "sccm/install/no -Repair", Script: sInstall, Params: map[string]string{"WurepairPath": filepath.Join(work, "pf3", "wurepair.exe")}, exit: 0, stdout: []string{"installed wurepair 1.2.3"}, args: "eventsource\ninstall"})

	// ConfigMgr Configuration Item: errors are discovery failures (exit 1),
	// not non-compliance; a failed remediation throws.
	disc := filepath.Join(sccm, "ConfigurationItem", "Discover-WurepairHealth.ps1")
	detect("sccm", disc, 0, 0, "Compliant")
	detect("sccm", disc, 1, 0, "NonCompliant: wurepair detect: exit 1")
	detect("sccm", disc, 4, 1, "Error: wurepair detect: exit 4")
	detect("sccm", disc, 5, 1, "Error: wurepair detect: exit 5")
	add(psCase{ID: "sccm/discover/missing", Script: disc, Params: map[string]string{"WurepairPath": missing}, exit: 1, stdout: []string{"Error: wurepair is not installed"}, args: "-"})
	sRem := filepath.Join(sccm, "ConfigurationItem", "Remediate-WurepairHealth.ps1")
	repair("sccm", sRem, 0, 0, logs, "wurepair-configmgr.log", "exit 0 (success")
	repair("sccm", sRem, 1, -1, logs, "wurepair-configmgr.log", "exit 1 (failure")
	repair("sccm", sRem, 3, -1, logs, "wurepair-configmgr.log", "exit 3 (partial")
	repair("sccm", sRem, 10, -1, logs, "wurepair-configmgr.log", "exit 10 (cannot tell")
	add(psCase{ID: "sccm/remediate/missing", Script: sRem, Params: map[string]string{"WurepairPath": missing, "LogDirectory": logs}, exit: -1, throws: true, stdout: []string{"wurepair is not installed"}, args: "-"})

	// The codes a Linux process cannot return, through the scripts' own mapping.
	var functions []psCase
	for _, m := range []struct {
		script string
		code   int
		want   string
	}{{rem, 3010, "0"}, {rem, 1618, "1618"}, {rem, 0, "0"}, {rem, 1, "1"}, {sRem, 3010, "0"}, {sRem, 1618, "1618"}, {sRem, 4, "4"}} {
		functions = append(functions, psCase{ID: "map/" + m.script + "/" + itoa(m.code), Script: m.script, Function: "Resolve-WurRemediation", Code: m.code, exit: 0, stdout: []string{m.want}, args: "-"})
	}
	// Every case in FullLanguage, then every script run again in
	// ConstrainedLanguage (WDAC/AppLocker estates): the same results.
	for _, mode := range []string{"full", "clm"} {
		t.Run(mode, func(t *testing.T) {
			for _, installed := range []string{"pf", "pf2", "pf3"} { // each mode installs afresh
				_ = os.RemoveAll(filepath.Join(work, installed))
			}
			run := append([]psCase(nil), cases...)
			if mode == "full" {
				run = append(run, functions...) // the driver's parser calls need FullLanguage
			}
			for i := range run {
				run[i].ArgsFile = filepath.Join(work, mode+"-args-"+itoa(i))
			}
			checkPwshCases(t, run, runPwshCases(t, pwsh, run, mode))
		})
	}
}

// runningExe starts a program (a copy of sleep) named wurepair.exe at p
// and returns p; the test ends it.
func runningExe(t *testing.T, p string) string {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep program to stand for a running wurepair.exe")
	}
	raw, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(p, "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return p
}

func checkPwshCases(t *testing.T, cases []psCase, results map[string]struct {
	Exit   int
	Stdout string
	Stderr string
}) {
	t.Helper()
	for _, c := range cases {
		r, ok := results[c.ID]
		if !ok {
			t.Errorf("%s: no result", c.ID)
			continue
		}
		if r.Exit != c.exit {
			t.Errorf("%s: exit %d, want %d (stdout %q, stderr %q)", c.ID, r.Exit, c.exit, r.Stdout, r.Stderr)
		}
		if c.throws {
			// ConfigMgr reports the thrown text as the remediation's error.
			if r.Stdout != "" {
				t.Errorf("%s: a failing remediation wrote %q before throwing", c.ID, r.Stdout)
			}
			r.Stdout, r.Stderr = r.Stderr, ""
		}
		if r.Stderr != "" {
			t.Errorf("%s: wrote to stderr (Intune/ConfigMgr count that as a script error): %q", c.ID, r.Stderr)
		}
		if strings.Count(r.Stdout, "\n") > 0 {
			t.Errorf("%s: more than one output line: %q", c.ID, r.Stdout)
		}
		for _, want := range c.stdout {
			if c.Function != "" && r.Stdout != want || want == "" && r.Stdout != "" || !strings.Contains(r.Stdout, want) {
				t.Errorf("%s: stdout %q, want it to contain %q", c.ID, r.Stdout, want)
			}
		}
		{
			got, err := os.ReadFile(c.ArgsFile)
			switch {
			case c.args == "-" && err == nil:
				t.Errorf("%s: the exe ran (args %q) but must not have", c.ID, got)
			case c.args != "-" && strings.TrimSpace(string(got)) != c.args:
				t.Errorf("%s: stub arguments %q, want %q", c.ID, got, c.args)
			}
		}
	}
}

// TestGeneratedScriptAsProcess runs one generated script the way the
// agents do, as its own process (`-File`), so the exit code is the
// process's: PowerShell's `exit N` semantics, not the test driver's.
func TestGeneratedScriptAsProcess(t *testing.T) {
	pwsh := findPwsh(t)
	work := t.TempDir()
	exe := stub(t, filepath.Join(work, "stub"), 4)
	dir := exportForTest(t, "intune", []byte("MZ x"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File",
		filepath.Join(dir, "Remediations", "Remediate-WurepairHealth.ps1"), "-WurepairPath", exe, "-LogDirectory", work)
	cmd.Env = append(os.Environ(), "WUREPAIR_STUB_ARGS="+filepath.Join(work, "args"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 4 {
		t.Fatalf("exit: %v, want 4; stdout %q stderr %q", err, stdout.String(), stderr.String())
	}
	if stderr.Len() != 0 || strings.Count(strings.TrimSpace(stdout.String()), "\n") != 0 ||
		!strings.Contains(stdout.String(), "wurepair repair auto --yes --recover: exit 4 (PowerShell unusable") {
		t.Fatalf("stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}

// Signed exports verify with osslsigncode verify (issue 18: ConfigMgr's
// default All Signed policy), and export warns about an unsigned exe.
func TestExportSigned(t *testing.T) {
	for _, tool := range []string{"osslsigncode", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("WUREPAIR_REQUIRE_PWSH") != "" {
				t.Fatalf("%s is missing (CI installs it)", tool)
			}
			t.Skipf("NOT RUN: %s missing", tool)
		}
	}
	work := t.TempDir()
	cert, key := filepath.Join(work, "cert.pem"), filepath.Join(work, "key.pem")
	if out, err := exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
		"-days", "2", "-subj", "/CN=wurepair export test", "-addext", "extendedKeyUsage=codeSigning").CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	exe := filepath.Join(work, "wurepair.exe")
	if err := os.WriteFile(exe, unsignedPE(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"sccm", "intune"} {
		dir := filepath.Join(work, kind)
		out, errOut, code := runApp(t, "export", kind, dir, "--exe", exe, "--sign-cert", cert, "--sign-key", key)
		if code != ExitOK || !strings.Contains(out, "signed ") {
			t.Fatalf("export %s signed: exit %d\n%s\n%s", kind, code, out, errOut)
		}
		if !strings.Contains(errOut, "is not Authenticode-signed") {
			t.Errorf("no warning about the unsigned exe: %q", errOut)
		}
		n := 0
		_ = filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err != nil || !strings.HasSuffix(p, ".ps1") {
				return err
			}
			n++
			if out, err := exec.Command("osslsigncode", "verify", "-CAfile", cert, "-in", p).CombinedOutput(); err != nil ||
				!strings.Contains(string(out), "Signature verification: ok") {
				t.Errorf("%s does not verify: %v\n%s", p, err, out)
			}
			return nil
		})
		if n < 4 {
			t.Errorf("%s: only %d scripts", kind, n)
		}
	}
	if _, errOut, code := runApp(t, "export", "sccm", filepath.Join(work, "x"), "--exe", exe, "--sign-cert", cert); code != ExitUsage ||
		!strings.Contains(errOut, "--sign-key") {
		t.Errorf("--sign-cert alone: exit %d, %q", code, errOut)
	}
}

// unsignedPE is the smallest PE32+ file debug/pe reads, unsigned.
func unsignedPE() []byte {
	b := make([]byte, 0x40+4+20+240)
	b[0], b[1] = 'M', 'Z'
	b[0x3c] = 0x40
	copy(b[0x40:], "PE\x00\x00")
	b[0x44], b[0x45] = 0x64, 0x86 // IMAGE_FILE_MACHINE_AMD64
	b[0x44+16] = 240              // SizeOfOptionalHeader
	b[0x58], b[0x59] = 0x0b, 0x02 // PE32+ magic
	b[0x58+108] = 16              // NumberOfRvaAndSizes
	return b
}

// The install scripts register the event source and the uninstall ones
// remove it through this command; off Windows it has nothing to do.
func TestEventSourceCommand(t *testing.T) {
	for _, sub := range []string{"install", "remove"} {
		if out, errOut, code := runApp(t, "eventsource", sub); code != ExitOK || !strings.Contains(out, sub+" done") {
			t.Errorf("eventsource %s: exit %d, %q %q", sub, code, out, errOut)
		}
	}
	if _, _, code := runApp(t, "eventsource", "install", "x"); code != ExitUsage {
		t.Errorf("eventsource install x: exit %d", code)
	}
}
