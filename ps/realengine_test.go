package ps

// The session against a real engine: pwsh 7 (on this machine, Linux) runs
// the real bootstrap.ps1 behind the same flags, MODE probe and READY that
// wurepair uses. What these tests prove, and what pwsh on Linux cannot show
// about Windows PowerShell 5.1, is in docs/real-engine-session.md.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/wurepair/wurepair/internal/testpwsh"
	"github.com/wurepair/wurepair/scripts"
)

// findPwsh returns the real engine, or skips loudly (fails under CI).
func findPwsh(t testing.TB) string {
	t.Helper()
	return testpwsh.Find(t, "the session against the real engine")
}

// realOptions are the options wurepair uses, on pwsh, with a short kill
// margin so that the tests of blocked calls stay short.
func realOptions(t testing.TB) Options {
	return Options{
		Exe:       findPwsh(t),
		Bootstrap: scripts.MustLoad().Bootstrap().Text,
		Grace:     3 * time.Second,
	}
}

func newRealSession(t testing.TB, mutate ...func(*Options)) *Session {
	t.Helper()
	opts := realOptions(t)
	for _, f := range mutate {
		f(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// run sends an ad-hoc script (pwsh does not check what it runs) and
// returns its reply.
func run(t *testing.T, s *Session, ctx context.Context, script string, params map[string]any) Result {
	t.Helper()
	res, err := s.Invoke(ctx, Request{Name: "Test-Real", Script: script, Params: params, Timeout: time.Minute})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	return res
}

func decodeOne[T any](t *testing.T, res Result) T {
	t.Helper()
	var v T
	if len(res.Output) != 1 {
		t.Fatalf("want 1 output object, got %d (errors %+v)", len(res.Output), res.Errors)
	}
	if err := json.Unmarshal(res.Output[0], &v); err != nil {
		t.Fatalf("decode %s: %v", res.Output[0], err)
	}
	return v
}

func TestRealStartReportsFacts(t *testing.T) {
	s := newRealSession(t)
	facts, err := s.Start(ctxWithin(t, 2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if facts.PSEdition != "Core" || !strings.HasPrefix(facts.PSVersion, "7.") || facts.LanguageMode != "FullLanguage" || facts.PID == 0 {
		t.Fatalf("facts = %+v", facts)
	}
	// Off Windows PowerShell's SystemPolicy answers None and the execution
	// policy is always Unrestricted: the bootstrap's policy code ran and the
	// host passes the policy check (the Windows answers: fake host tests).
	if facts.LockdownPolicy != "None" || facts.ExecutionPolicyMachine != "Unrestricted" || facts.ExecutionPolicyUser != "Unrestricted" || CheckPolicy(facts) != nil {
		t.Fatalf("policy facts = %q %q %q", facts.LockdownPolicy, facts.ExecutionPolicyMachine, facts.ExecutionPolicyUser)
	}
	t.Logf("real engine: %s, PowerShell %s %s", s.opts.Exe, facts.PSVersion, facts.PSEdition)
}

// selftest through the real engine: every awkward string arrives as data,
// byte-exact; injection strings are never run.
func TestRealRoundTripByteExact(t *testing.T) {
	canary := filepath.Join(t.TempDir(), "injected")
	cases := map[string]string{
		"french":        "Mise à jour échouée : « wuauserv » ne répond pas — réessayez",
		"german":        "Update fehlgeschlagen: Größe überschritten",
		"cjk and emoji": "更新失败 🙂 更新に失敗しました",
		"nul":           "a\x00b\x00",
		"curly quotes":  "\u2018a\u2019 \u201ab\u201b \u201cc\u201d",
		"single quote":  `it's 'quoted'`,
		"subexpression": "$(New-Item -ItemType File -Path '" + canary + "')",
		"backticks":     "`n`0`` `$(whoami)",
		"semicolon":     "x'; New-Item -ItemType File -Path '" + canary + "'; '",
		"newlines":      "line one\nline two\r\nline three\r",
		"empty":         "",
		"mixed":         "'\"\u2018\u2019$()`;\n\x00é更",
	}
	s := newRealSession(t)
	ctx := ctxWithin(t, 3*time.Minute)
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			got := mustEcho(t, s, ctx, text, text, "second")
			if got.Text != text {
				t.Fatalf("text: got %q want %q", got.Text, text)
			}
			if want := len(utf16.Encode([]rune(text))); got.Length != want {
				t.Fatalf("length: got %d want %d (UTF-16 units PowerShell saw)", got.Length, want)
			}
			if len(got.Items) != 2 || got.Items[0] != text || got.Items[1] != "second" {
				t.Fatalf("items: got %q", got.Items)
			}
		})
	}
	if _, err := os.Stat(canary); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an injection string ran as code: %s exists (%v)", canary, err)
	}
	if s.Starts() != 1 {
		t.Fatalf("one host should serve every request, started %d", s.Starts())
	}
}

// 64 MiB of result goes through the real ConvertTo-Json, base64 and the
// pipe in one piece. Measured here (2 shared cores): about 7 s inside pwsh
// for ConvertTo-Json plus base64 of 64 MiB.
func TestRealHugeResult(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB through real pwsh; run without -short")
	}
	const size = 64 << 20
	s := newRealSession(t)
	ctx := ctxWithin(t, 5*time.Minute)
	started := time.Now()
	res := run(t, s, ctx, `param([int]$Size) [pscustomobject]@{ Text = 'x' * $Size }`, map[string]any{"Size": size})
	got := decodeOne[struct{ Text string }](t, res)
	if len(got.Text) != size || strings.Trim(got.Text, "x") != "" {
		t.Fatalf("got %d bytes", len(got.Text))
	}
	t.Logf("64 MiB result in %s (inside pwsh: %s)", time.Since(started).Round(time.Millisecond), res.Duration)
	// The host is still in step after a frame that large.
	if got := mustEcho(t, s, ctx, "after"); got.Text != "after" {
		t.Fatalf("got %q", got.Text)
	}
}

// A script that throws: its own ErrorRecord arrives (not the
// MethodInvocationException that EndInvoke wraps it in).
func TestRealScriptThrows(t *testing.T) {
	s := newRealSession(t)
	ctx := ctxWithin(t, 2*time.Minute)
	const script = `[CmdletBinding()] param()
$ex = [System.IO.IOException]::new('the file is in use', -2147024864)
$record = [System.Management.Automation.ErrorRecord]::new($ex, 'WurTestSharingViolation', 'ResourceBusy', 'C:\Windows\SoftwareDistribution')
$PSCmdlet.ThrowTerminatingError($record)`
	res := run(t, s, ctx, script, nil)
	if res.OK || len(res.Errors) != 1 {
		t.Fatalf("want 1 error, got ok=%v %+v", res.OK, res.Errors)
	}
	e := res.Errors[0]
	if e.Message != "the file is in use" || e.FQID != "WurTestSharingViolation" || e.Category != "ResourceBusy" ||
		e.HResult != -2147024864 || e.ExceptionType != "System.IO.IOException" || e.Target != `C:\Windows\SoftwareDistribution` {
		t.Fatalf("error record = %+v", e)
	}

	// throw with a .NET exception, and a non-terminating Write-Error.
	res = run(t, s, ctx, `Write-Error -Message 'soft' -ErrorId 'WurSoft' -Category ObjectNotFound; throw [ComponentModel.Win32Exception]::new(5)`, nil)
	if len(res.Errors) != 2 {
		t.Fatalf("want 2 errors, got %+v", res.Errors)
	}
	var sawSoft, sawWin32 bool
	for _, e := range res.Errors {
		switch {
		case strings.HasPrefix(e.FQID, "WurSoft") && e.Category == "ObjectNotFound" && e.Message == "soft":
			sawSoft = true
		case e.ExceptionType == "System.ComponentModel.Win32Exception" && e.HResult == -2147467259:
			// Win32Exception's HResult is E_FAIL; the Win32 code (5) is
			// NativeErrorCode, which scripts must report themselves.
			sawWin32 = true
		}
	}
	if !sawSoft || !sawWin32 {
		t.Fatalf("errors = %+v", res.Errors)
	}
}

// Output on every stream: each lands where the envelope says, nothing
// breaks the framing, [Console]::Error reaches stderr.
func TestRealEveryStream(t *testing.T) {
	s := newRealSession(t)
	ctx := ctxWithin(t, 2*time.Minute)
	const script = `[CmdletBinding()] param()
Write-Host 'to-host'
Write-Information 'to-information'
Write-Progress -Activity 'to-progress' -PercentComplete 50
Write-Warning 'to-warning'
Write-Verbose 'to-verbose' -Verbose
[Console]::Error.WriteLine('to-console-error')
[Console]::Out.WriteLine('to-console-out')
[Console]::Out.Write('no newline before the frame ')
[pscustomobject]@{ Done = $true }`
	res := run(t, s, ctx, script, nil)
	if !res.OK {
		t.Fatalf("errors: %+v", res.Errors)
	}
	if got := decodeOne[struct{ Done bool }](t, res); !got.Done {
		t.Fatal("output object lost")
	}
	has := func(list []string, want string) bool {
		for _, x := range list {
			if x == want {
				return true
			}
		}
		return false
	}
	if !has(res.Warnings, "to-warning") || !has(res.Verbose, "to-verbose") ||
		!has(res.Information, "to-information") || !has(res.Information, "to-host") {
		t.Fatalf("streams: warnings %q verbose %q information %q", res.Warnings, res.Verbose, res.Information)
	}
	// Stderr is drained by its own goroutine: wait for it.
	c := s.cur
	if !c.stderr.waitFor([]byte("to-console-error"), 10*time.Second) {
		t.Fatalf("stderr = %q", c.stderr.Bytes())
	}
	if !c.noise.waitFor([]byte("to-console-out"), 10*time.Second) {
		t.Fatalf("noise = %q", c.noise.Bytes())
	}
	if got := mustEcho(t, s, ctx, "after"); got.Text != "after" {
		t.Fatalf("got %q", got.Text)
	}
}

// A native command that reads stdin gets an empty one: it neither eats the
// next request line nor waits for input. Without the bootstrap's guard,
// head -c1 reads the first byte of the END line (measured: the session
// then hangs or the next line fails to parse).
func TestRealNativeCommandStdinIsEmpty(t *testing.T) {
	for _, tool := range []string{"head", "cat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	s := newRealSession(t)
	ctx := ctxWithin(t, 2*time.Minute)
	const script = `$head = head -c1
$byPath = & (Get-Command head -CommandType Application | Select-Object -First 1).Source -c1
$cat = cat
$piped = ('a', 'b' | cat) -join ','
sh -c 'exit 3'
[pscustomobject]@{ Head = [string]$head; ByPath = [string]$byPath; Cat = [string]$cat; Piped = $piped; Exit = $LASTEXITCODE }`
	req := Request{Name: "Test-Stdin", Script: script, Timeout: 20 * time.Second}
	res, err := s.Invoke(ctx, req)
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	got := decodeOne[struct {
		Head, ByPath, Cat, Piped string
		Exit                     int
	}](t, res)
	if got.Head != "" || got.ByPath != "" || got.Cat != "" || got.Piped != "a,b" || got.Exit != 3 {
		t.Fatalf("native commands saw %+v; want empty stdin, piped input kept, exit code kept", got)
	}
	for i := range 3 {
		if got := mustEcho(t, s, ctx, fmt.Sprint("after ", i)); got.Text != fmt.Sprint("after ", i) {
			t.Fatalf("got %q", got.Text)
		}
	}
	if s.Starts() != 1 {
		t.Fatalf("started %d hosts", s.Starts())
	}
}

// After READY no line is executed: a line that would fail to parse, one
// that would throw and one that would call Invoke-WurRequest without its
// argument are each ignored by the bootstrap's loop (on stderr). Each gets
// no reply, its END line ends the wait at once with that stderr, nothing
// ran, and the host stays usable.
func TestRealNoReplyFailsAtOnce(t *testing.T) {
	s := newRealSession(t)
	ctx := ctxWithin(t, 2*time.Minute)
	mustEcho(t, s, ctx, "before")
	for _, line := range []string{
		"Invoke-WurRequest 'abc' )",
		"throw 'thrown outside the handler'",
		"Invoke-WurRequest",
		"[Console]::Out.WriteLine('executed')",
	} {
		started := time.Now()
		err := invokeRaw(ctx, s, line, time.Minute)
		took := time.Since(started)
		var nr *NoReplyError
		if !errors.As(err, &nr) || !errors.Is(err, ErrNoReply) {
			t.Fatalf("%q: err = %v, want ErrNoReply", line, err)
		}
		if !strings.Contains(nr.StderrTail, "ignored a line that is not a request") || strings.Contains(nr.StderrTail, "thrown outside") {
			t.Fatalf("%q: stderr tail %q: want the line ignored, not run", line, nr.StderrTail)
		}
		t.Logf("%q: ErrNoReply after %s", line, took.Round(time.Millisecond))
	}
	if _, noise := s.Diagnostics(); strings.Contains(string(noise), "executed") {
		t.Fatalf("a line that is not a request was executed: %q", noise)
	}
	checkUndecodableRequest(t, s, ctx)
	if s.Starts() != 1 {
		t.Fatalf("started %d hosts", s.Starts())
	}
}

// A result ConvertTo-Json refuses (a hashtable with a non-string key)
// comes back as an error envelope, not as silence.
func TestRealUnserializableResult(t *testing.T) {
	s := newRealSession(t)
	ctx := ctxWithin(t, 2*time.Minute)
	res := run(t, s, ctx, `@{ ([object]::new()) = 1 }`, nil)
	if res.OK || len(res.Errors) != 1 || !strings.HasPrefix(res.Errors[0].FQID, "WurReplyNotSerializable,NonStringKeyInDictionary") {
		t.Fatalf("reply = ok %v errors %+v", res.OK, res.Errors)
	}
	if got := mustEcho(t, s, ctx, "after"); got.Text != "after" {
		t.Fatalf("got %q", got.Text)
	}
}

// Timeouts. A script waiting inside PowerShell (Start-Sleep) is stopped by
// PowerShell at its timeout: "timedOut", same host. A script blocked in a
// .NET call cannot be stopped (Stop() waits for the call to return): Go
// kills the host at timeout + margin and the next request gets a new one.
func TestRealTimeouts(t *testing.T) {
	s := newRealSession(t)
	ctx := ctxWithin(t, 3*time.Minute)
	mustEcho(t, s, ctx, "warm")

	const timeout = time.Second
	started := time.Now()
	res, err := s.Invoke(ctx, Request{Name: "Test-Sleep", Script: `Start-Sleep -Seconds 60`, Timeout: timeout})
	took := time.Since(started)
	var te *TimeoutError
	if !errors.As(err, &te) || te.Killed || !res.TimedOut {
		t.Fatalf("Start-Sleep: err = %v (timedOut %v), want a TimeoutError answered by PowerShell", err, res.TimedOut)
	}
	t.Logf("Start-Sleep 60 with a %s timeout: stopped by PowerShell after %s, host kept", timeout, took.Round(time.Millisecond))
	if s.Starts() != 1 {
		t.Fatalf("a stopped script must not cost the host; started %d", s.Starts())
	}

	started = time.Now()
	_, err = s.Invoke(ctx, Request{Name: "Test-Block", Script: `[Console]::Error.WriteLine('blocking now'); [Threading.Thread]::Sleep(60000)`, Timeout: timeout})
	took = time.Since(started)
	if !errors.As(err, &te) || !te.Killed {
		t.Fatalf("Thread.Sleep: err = %v, want a TimeoutError with the host killed", err)
	}
	if !strings.Contains(te.StderrTail, "blocking now") {
		t.Fatalf("stderr tail lost: %q", te.StderrTail)
	}
	deadline := timeout + s.opts.killMargin(timeout)
	if te.Timeout != timeout || te.Margin != s.opts.killMargin(timeout) {
		t.Fatalf("TimeoutError names %s + %s, want the script's %s + the margin", te.Timeout, te.Margin, timeout)
	}
	if took < deadline {
		t.Fatalf("Thread.Sleep: Go gave up after %s, before the kill deadline %s", took, deadline)
	}
	t.Logf("[Threading.Thread]::Sleep(60000) with a %s timeout: %v after %s", timeout, err, took.Round(time.Millisecond))
	if got := mustEcho(t, s, ctx, "healthy"); got.Text != "healthy" {
		t.Fatalf("got %q", got.Text)
	}
	if s.Starts() != 2 {
		t.Fatalf("starts = %d, want 2 (a new host after the kill)", s.Starts())
	}
}

// processesInGroup lists the live processes (zombies included) whose
// process group is pgid.
func processesInGroup(t *testing.T, pgid int) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces, cut at ')'.
		rest := string(raw[strings.LastIndexByte(string(raw), ')')+2:])
		f := strings.Fields(rest)
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) {
			out = append(out, fmt.Sprintf("%d %s", pid, raw[:strings.LastIndexByte(string(raw), ')')+1]))
		}
	}
	return out
}

// waitFor polls cond (there is no event for "a process appeared in /proc")
// until it holds or d passed.
func waitFor(d time.Duration, cond func() bool) bool {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	end := time.After(d)
	for !cond() {
		select {
		case <-tick.C:
		case <-end:
			return cond()
		}
	}
	return true
}

// Cancelling a request mid-flight kills the host and everything it
// started: no process of its group is left.
func TestRealKillMidRequestLeavesNoOrphan(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	s := newRealSession(t)
	facts, err := s.Start(ctxWithin(t, 2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	// The host we started leads its own process group. With the .NET
	// global tool, that process is only a shim: PowerShell ($PID) is its
	// child, in the same group.
	pgid := s.cur.proc.(Process).Pid()
	if pgid != facts.PID {
		t.Logf("started %d, PowerShell runs as its child %d (a dotnet tool shim)", pgid, facts.PID)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := s.Invoke(ctx, Request{Name: "Test-Child", Script: `sh -c 'sleep 300; echo never'`, Timeout: time.Minute})
		done <- err
	}()
	if !waitFor(30*time.Second, func() bool { return strings.Contains(strings.Join(processesInGroup(t, pgid), " "), "(sleep)") }) {
		t.Fatalf("the script's children never appeared: %q", processesInGroup(t, pgid))
	}
	t.Logf("before cancel: %q", processesInGroup(t, pgid))
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Invoke did not return after cancel")
	}
	if !waitFor(10*time.Second, func() bool { return len(processesInGroup(t, pgid)) == 0 }) {
		t.Fatalf("orphans left: %q", processesInGroup(t, pgid))
	}
}

// One request's location, global and script variables, functions,
// modules, StrictMode, preferences and changes to its runspace's
// InitialSessionState are not seen by the next one, and every request runs
// in a runspace of its own that nothing ran in before (the next one is
// opened in the background while a request runs). Checked for several
// requests in a row, so that runspaces opened by the background opener,
// not only the first one, are covered.
func TestRealRunspaceIsolation(t *testing.T) {
	s := newRealSession(t)
	ctx := ctxWithin(t, 3*time.Minute)
	const probe = `$strict = 'off'
try { $null = $wurNeverSet; } catch { $strict = 'on' }
[pscustomobject]@{
    Runspace = [string][runspace]::DefaultRunspace.InstanceId
    Commands = @(Get-History).Count
    Location = (Get-Location).Path
    Global   = [bool](Test-Path -LiteralPath 'Variable:global:wurLeak')
    Script   = [bool](Test-Path -LiteralPath 'Variable:script:wurScriptLeak')
    Template = [bool](Test-Path -LiteralPath 'Variable:wurTemplateLeak')
    Function = [bool](Get-Command -Name 'Get-WurLeak' -ErrorAction SilentlyContinue)
    Alias    = [bool](Get-Alias -Name 'wurleak' -ErrorAction SilentlyContinue)
    Module   = [bool](Get-Module -Name 'WurLeakModule')
    Strict   = $strict
    Pref     = [string]$ErrorActionPreference
    Warn     = [string]$WarningPreference
    Drive    = [bool](Get-PSDrive -Name 'WurLeak' -ErrorAction SilentlyContinue)
}`
	type state struct {
		Runspace                                          string
		Commands                                          int
		Location                                          string
		Global, Script, Template, Function, Alias, Module bool
		Strict, Pref, Warn                                string
		Drive                                             bool
	}
	const pollute = `Set-Location -LiteralPath ([IO.Path]::GetTempPath())
$global:wurLeak = 'leaked'
$script:wurScriptLeak = 'leaked'
function global:Get-WurLeak { 'leaked' }
Set-Alias -Name wurleak -Value Get-Date -Scope Global
New-Module -Name WurLeakModule -ScriptBlock { function Get-WurLeakModule { 1 } } | Import-Module
Set-StrictMode -Version Latest
$global:ErrorActionPreference = 'Ignore'
$global:WarningPreference = 'Stop'
$null = New-PSDrive -Name WurLeak -PSProvider FileSystem -Root ([IO.Path]::GetTempPath()) -Scope Global
$entry = New-Object System.Management.Automation.Runspaces.SessionStateVariableEntry -ArgumentList 'wurTemplateLeak', 'leaked', ''
[runspace]::DefaultRunspace.InitialSessionState.Variables.Add($entry)
[pscustomobject]@{ Location = (Get-Location).Path; Runspace = [string][runspace]::DefaultRunspace.InstanceId }`
	seen := map[string]int{}
	var before state
	for i := range 4 {
		got := decodeOne[state](t, run(t, s, ctx, probe, nil))
		if i == 0 {
			before = got
		}
		polluted := decodeOne[struct{ Location, Runspace string }](t, run(t, s, ctx, pollute, nil))
		if before.Location == polluted.Location {
			t.Fatalf("the test needs a location change: both %s", before.Location)
		}
		// Only the runspace id may differ from the first probe.
		clean := got
		clean.Runspace = before.Runspace
		if clean != before || got.Global || got.Script || got.Template || got.Function || got.Alias || got.Module || got.Drive ||
			got.Strict != "off" || got.Pref != "Continue" || got.Warn != "Continue" {
			t.Fatalf("round %d: state leaked from one request to the next:\nfirst %+v\nnow   %+v", i, before, got)
		}
		for _, id := range []string{got.Runspace, polluted.Runspace} {
			if id == "" {
				t.Fatal("no runspace id")
			}
			if seen[id]++; seen[id] > 1 {
				t.Fatalf("round %d: runspace %s ran two requests", i, id)
			}
		}
	}
}

// Request parameters that look like dates arrive as the strings Go sent
// (pwsh's ConvertFrom-Json would make DateTime of them).
func TestRealDateLookingStringsStayStrings(t *testing.T) {
	s := newRealSession(t)
	ctx := ctxWithin(t, 2*time.Minute)
	dates := []string{"2024-01-02T03:04:05Z", "2024-01-02", "2024-01-02T03:04:05.1234567+02:00", "2024-01-02 03:04:05"}
	for _, d := range dates {
		if got := mustEcho(t, s, ctx, d, d); got.Text != d || got.Items[0] != d {
			t.Fatalf("sent %q, got %q / %q", d, got.Text, got.Items)
		}
	}
	res := run(t, s, ctx, `param($Value) [pscustomobject]@{ Type = $Value.GetType().FullName; Text = [string]$Value }`,
		map[string]any{"Value": dates[0]})
	got := decodeOne[struct{ Type, Text string }](t, res)
	if got.Type != "System.String" || got.Text != dates[0] {
		t.Fatalf("an untyped parameter became %+v", got)
	}
}

// clmArgs start pwsh in ConstrainedLanguage: pwsh on Linux has no
// AppLocker/WDAC, so a wrapper switches its session to ConstrainedLanguage
// and then reads commands from stdin the way -Command - does.
func clmArgs() []string {
	const wrapper = `$loop = { while ($null -ne ($line = [Console]::In.ReadLine())) { if ($line -eq 'exit') { break }; try { Invoke-Expression $line } catch { [Console]::Error.WriteLine($_) } } }; ` +
		`$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'; & $loop`
	return []string{"-NoLogo", "-NoProfile", "-NonInteractive", "-Command", wrapper}
}

// A host in ConstrainedLanguage (AppLocker/WDAC on Windows) is refused at
// the MODE probe, never by a timeout: the startup budgets are far longer
// than the test's deadline, so only the MODE answer can produce
// ErrConstrainedLanguage in time. How long the refusal takes is a
// benchmark (BenchmarkRealEngine/clm-refusal, goal < 5 s), not a timed test.
func TestRealConstrainedLanguageRefused(t *testing.T) {
	s := newRealSession(t, func(o *Options) {
		o.Args = clmArgs()
		o.ProcessStartTimeout, o.BootstrapTimeout = 10*time.Minute, 10*time.Minute
	})
	started := time.Now()
	_, err := s.Start(ctxWithin(t, 2*time.Minute))
	var cl *ConstrainedLanguageError
	if !errors.As(err, &cl) || cl.Mode != "ConstrainedLanguage" {
		t.Fatalf("err = %v, want ErrConstrainedLanguage", err)
	}
	t.Logf("ConstrainedLanguage refused after %s", time.Since(started).Round(time.Millisecond))
}

// The host never inherits PSModulePath (pwsh 7's folders would shadow
// Windows PowerShell 5.1's modules).
func TestRealPSModulePathNotInherited(t *testing.T) {
	evil := filepath.Join(t.TempDir(), "evil-modules")
	t.Setenv("PSModulePath", evil)
	s := newRealSession(t)
	res := run(t, s, ctxWithin(t, 2*time.Minute), `[pscustomobject]@{ Path = [string]$env:PSModulePath }`, nil)
	got := decodeOne[struct{ Path string }](t, res)
	if strings.Contains(got.Path, evil) {
		t.Fatalf("PSModulePath inherited: %q", got.Path)
	}
}

// The test prelude runs in every request's (fresh) runspace.
func TestRealPreludeInEveryRunspace(t *testing.T) {
	s := newRealSession(t, func(o *Options) {
		o.Prelude = `function Get-WurDouble { 'double of ' + $args[0] }`
	})
	ctx := ctxWithin(t, 2*time.Minute)
	for i := range 2 {
		res := run(t, s, ctx, `[pscustomobject]@{ Text = (Get-WurDouble 'Get-Service') }`, nil)
		if got := decodeOne[struct{ Text string }](t, res); got.Text != "double of Get-Service" {
			t.Fatalf("request %d: got %q", i, got.Text)
		}
	}
}

// The prelude is test setup: a request in check mode (WhatIf) must still
// get what it creates (New-PSDrive, Set-Variable honour WhatIf), and a
// prelude that fails must fail the request, not leave it half-doubled.
func TestRealPreludeBeforeWhatIfAndItsErrorsFail(t *testing.T) {
	s := newRealSession(t, func(o *Options) {
		o.Prelude = `Set-Variable -Name WurPreludeMark -Value 'made' -Scope Global`
	})
	ctx := ctxWithin(t, 2*time.Minute)
	res, err := s.Invoke(ctx, Request{Name: "Test-Real", Script: `[pscustomobject]@{ Text = [string]$global:WurPreludeMark; WhatIf = [bool]$WhatIfPreference }`, Timeout: time.Minute, CheckMode: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeOne[struct {
		Text   string
		WhatIf bool
	}](t, res); got.Text != "made" || !got.WhatIf {
		t.Fatalf("check-mode request saw prelude mark %q, WhatIf %v; want \"made\", true", got.Text, got.WhatIf)
	}

	broken := newRealSession(t, func(o *Options) { o.Prelude = `Write-Error 'prelude broke'` })
	res, err = broken.Invoke(ctx, Request{Name: "Test-Real", Script: `[pscustomobject]@{ Text = 'ran' }`, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Output) != 0 || res.Err() == nil || !strings.Contains(res.Err().Error(), "test prelude failed") {
		t.Fatalf("a failing prelude must fail the request; got output %s, err %v", res.Output, res.Err())
	}
}

// A bootstrap that throws (as one that uses syntax an older PowerShell
// cannot parse would) fails the start at once with pwsh's message.
func TestRealBrokenBootstrapFailsAtOnce(t *testing.T) {
	s := newRealSession(t, func(o *Options) { o.Bootstrap = "throw 'bootstrap broke'" })
	started := time.Now()
	_, err := s.Start(ctxWithin(t, 2*time.Minute))
	var nr *NoReplyError
	if !errors.As(err, &nr) || !strings.Contains(nr.StderrTail, "bootstrap broke") {
		t.Fatalf("err = %v, want ErrNoReply with the bootstrap's error", err)
	}
	t.Logf("broken bootstrap refused after %s: %v", time.Since(started).Round(time.Millisecond), err)
}
