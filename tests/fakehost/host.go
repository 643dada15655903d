// Package fakehost is a fake powershell.exe for wurepair's tests: it speaks
// the real wire protocol (see package ps) and simulates a Windows machine.
//
// It is strict where real PowerShell is: it accepts only the exact startup
// flags wurepair must pass, only the protocol lines wurepair must write (any
// other line is a parser error on stderr and no reply, as PowerShell would
// do), only the embedded bootstrap (checked by SHA-256), only embedded
// scripts sent under their own name, and only parameters the manifest
// declares (rejected the way PowerShell's parameter binder does).
//
// Each embedded script is simulated (verbs*.go) against a MachineState:
// services, a case-insensitive file system with junctions, the CLSID
// registry views, regsvr32, the update log and history, the component
// store, and fault knobs. The behaviour is scripts/README.md's, refusals
// included; see README.md here for the machine's shape and the knobs.
package fakehost

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wurepair/wurepair/scripts"
)

// WantArgs are the flags wurepair must start PowerShell with.
var wantArgs = []string{"-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command", "-"}

var (
	modeRe      = regexp.MustCompile(`^'([0-9a-f]{32}):MODE:' \+ \$ExecutionContext\.SessionState\.LanguageMode$`)
	bootstrapRe = regexp.MustCompile(`^\. \(\[ScriptBlock\]::Create\(\[Text\.Encoding\]::UTF8\.GetString\(\[Convert\]::FromBase64String\('([A-Za-z0-9+/=]*)'\)\)\)\) '([0-9a-f]{32})'(?: '[A-Za-z0-9+/=]*')?$`)
	requestRe   = regexp.MustCompile(`^Invoke-WurRequest '([A-Za-z0-9+/=]*)'$`)
	// The line wurepair writes after each request: a string literal that
	// PowerShell echoes whatever became of the request line before it.
	endRe = regexp.MustCompile(`^'([0-9a-f]{32}:END:[0-9]{1,18})'$`)
	// What wurepair writes after an END that came without a reply, to know
	// when it has read all of stderr: a marker written there.
	syncRe = regexp.MustCompile(`^\[Console\]::Error\.WriteLine\('([0-9a-f]{32}:SYNC:[0-9]{1,18})'\)$`)
)

// Host is one fake PowerShell process.
type Host struct {
	sc       *Scenario
	cat      *scripts.Catalog
	out      *bufio.Writer
	errw     io.Writer
	eol      string
	nonce    string
	ready    bool
	requests int
	machine  *Machine
}

// Main runs the fake host: args are the command-line flags after the program
// name; it returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	file, fileNonce, fileOK := fileArgs(args)
	if !sameArgs(args, wantArgs) && !fileOK {
		fmt.Fprintf(stderr, "fakehost: wurepair must start PowerShell with %q or -File <bootstrap> -Nonce <nonce> -Serve, got %q\n", wantArgs, args)
		return 64
	}
	path := getenv(EnvScenario)
	if path == "" {
		fmt.Fprintf(stderr, "fakehost: set %s to a scenario file\n", EnvScenario)
		return 64
	}
	sc, err := LoadScenario(path)
	if err != nil {
		fmt.Fprintf(stderr, "fakehost: %v\n", err)
		return 64
	}
	m, err := newMachine(sc, getenv(EnvState))
	if err != nil {
		fmt.Fprintf(stderr, "fakehost: %v\n", err)
		return 64
	}
	h := &Host{sc: sc, cat: scripts.MustLoad(), out: bufio.NewWriterSize(stdout, 64<<10), errw: stderr, eol: "\n", machine: m}
	if sc.Faults.CRLF {
		h.eol = "\r\n"
	}
	if fileOK {
		return h.runFile(file, fileNonce, stdin)
	}
	return h.run(stdin)
}

// fileArgs recognises the -File delivery of the bootstrap (ps.FileArgs).
func fileArgs(args []string) (file, nonce string, ok bool) {
	want := []string{"-NoLogo", "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", "", "-Nonce", "", "-Serve"}
	if len(args) != len(want) {
		return "", "", false
	}
	for i, w := range want {
		if w != "" && !strings.EqualFold(args[i], w) {
			return "", "", false
		}
	}
	return args[6], args[8], nonceRe.MatchString(args[8])
}

var nonceRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// runFile is a host that runs the bootstrap as a file: it must be the
// embedded bootstrap.ps1; it answers the language-mode probe and READY
// by itself, then serves the same lines as the -Command host after READY.
func (h *Host) runFile(file, nonce string, stdin io.Reader) int {
	text, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(h.errw, "The argument '%s' is not recognized as the name of a script file.%s", file, h.eol)
		return 64
	}
	sum := sha256.Sum256(text)
	if hex.EncodeToString(sum[:]) != h.cat.Bootstrap().SHA256 {
		h.psError("fakehost: the -File bootstrap is not the embedded bootstrap.ps1", "FakeHostUnknownBootstrap")
		return 1
	}
	h.nonce = nonce
	h.println(h.nonce + ":MODE:" + h.sc.Host.LanguageMode)
	if h.sc.Host.LanguageMode != "FullLanguage" {
		h.out.Flush()
		h.psError("Cannot invoke method. Method invocation is supported only on core types in this language mode.", "MethodInvocationNotSupportedInConstrainedLanguage")
		return 1
	}
	h.ready = true
	h.frame("READY", h.facts())
	h.out.Flush()
	return h.run(stdin)
}

func sameArgs(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !strings.EqualFold(got[i], want[i]) {
			return false
		}
	}
	return true
}

func (h *Host) run(stdin io.Reader) int {
	f := h.sc.Faults
	if f.StderrAtStart != "" {
		fmt.Fprint(h.errw, f.StderrAtStart)
	}
	if f.ExitAtStart != nil {
		return *f.ExitAtStart
	}
	if f.SlowStartMs > 0 {
		time.Sleep(time.Duration(f.SlowStartMs) * time.Millisecond) // simulating a slow machine
	}
	in := bufio.NewReaderSize(stdin, 1<<20)
	for {
		line, err := in.ReadString('\n')
		if line == "" && err != nil {
			return 0 // stdin closed: PowerShell exits
		}
		line = strings.TrimRight(line, "\r\n")
		if f.HangForever {
			continue
		}
		if code, exit := h.line(line); exit {
			h.out.Flush()
			return code
		}
		h.out.Flush()
	}
}

// line handles one input line; exit reports that the process must end.
// Before READY (-Command - delivery) the console host runs each line as
// PowerShell; after it, in both deliveries, the bootstrap's own loop reads
// stdin and dispatches only the request, END, SYNC and exit lines by their
// shape: any other line is ignored (on stderr), never run.
func (h *Host) line(line string) (code int, exit bool) {
	if h.ready {
		return h.served(line)
	}
	switch {
	case line == "":
		return 0, false
	case strings.EqualFold(line, "exit"):
		return 0, true
	case modeRe.MatchString(line):
		h.nonce = modeRe.FindStringSubmatch(line)[1]
		mode := h.sc.Host.LanguageMode
		h.println(h.nonce + ":MODE:" + mode)
		return 0, false
	case bootstrapRe.MatchString(line):
		return h.bootstrap(bootstrapRe.FindStringSubmatch(line))
	case endRe.MatchString(line):
		// Echoed like any string expression.
		h.println(endRe.FindStringSubmatch(line)[1])
		return 0, false
	case syncRe.MatchString(line):
		fmt.Fprint(h.errw, syncRe.FindStringSubmatch(line)[1]+h.eol)
		return 0, false
	case requestRe.MatchString(line):
		h.psError("The term 'Invoke-WurRequest' is not recognized as the name of a cmdlet, function, script file, or operable program.", "CommandNotFoundException")
		return 0, false
	}
	h.psError(fmt.Sprintf("fakehost cannot simulate this line (real PowerShell would run it; wurepair must only send protocol lines): %.120q", line), "ParserError")
	return 0, false
}

// served is the bootstrap's serve loop (scripts/bootstrap.ps1, the end).
func (h *Host) served(line string) (code int, exit bool) {
	switch {
	case strings.EqualFold(line, "exit"):
		return 0, true
	case line == "":
		return 0, false
	case requestRe.MatchString(line):
		return h.request(requestRe.FindStringSubmatch(line)[1])
	case endRe.MatchString(line) && strings.HasPrefix(endRe.FindStringSubmatch(line)[1], h.nonce+":"):
		h.println(endRe.FindStringSubmatch(line)[1])
		return 0, false
	case syncRe.MatchString(line) && strings.HasPrefix(syncRe.FindStringSubmatch(line)[1], h.nonce+":"):
		fmt.Fprint(h.errw, syncRe.FindStringSubmatch(line)[1]+h.eol)
		return 0, false
	}
	fmt.Fprint(h.errw, "wurepair: ignored a line that is not a request"+h.eol)
	return 0, false
}

func (h *Host) bootstrap(m []string) (int, bool) {
	if h.sc.Host.LanguageMode != "FullLanguage" {
		h.psError("Cannot invoke method. Method invocation is supported only on core types in this language mode.", "MethodInvocationNotSupportedInConstrainedLanguage")
		return 0, false
	}
	text, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		h.psError("Exception calling \"FromBase64String\" with \"1\" argument(s): \"The input is not a valid Base-64 string\"", "FormatException")
		return 0, false
	}
	sum := sha256.Sum256(text)
	if hex.EncodeToString(sum[:]) != h.cat.Bootstrap().SHA256 {
		h.psError("fakehost: the bootstrap is not the embedded bootstrap.ps1", "FakeHostUnknownBootstrap")
		return 0, false
	}
	if h.nonce == "" || m[2] != h.nonce {
		h.psError("fakehost: bootstrap nonce does not match the MODE probe's", "FakeHostNonce")
		return 0, false
	}
	h.ready = true
	h.frame("READY", h.facts())
	return 0, false
}

func (h *Host) facts() map[string]any {
	p := h.sc.Host
	return map[string]any{
		"psVersion": p.PSVersion, "psEdition": p.PSEdition, "languageMode": p.LanguageMode,
		"is64BitProcess": p.Is64BitProcess, "is64BitOS": p.Is64BitOS, "isAdmin": p.IsAdmin,
		"osVersion": p.OSVersion, "osBuild": p.OSBuild, "osUbr": p.OSUBR,
		"installationType": p.InstallationType, "culture": p.Culture, "uiCulture": p.UICulture,
		"pid":                    pid(),
		"lockdownPolicy":         orDefault(p.LockdownPolicy, "None"),
		"executionPolicyMachine": orDefault(p.ExecutionPolicyMachine, "Undefined"),
		"executionPolicyUser":    orDefault(p.ExecutionPolicyUser, "Undefined"),
	}
}

// orDefault is v, or what Windows reports when the scenario says nothing.
func orDefault(v, windows string) string {
	if v == "" {
		return windows
	}
	return v
}

// psError writes what PowerShell writes to stderr for an error at top level.
func (h *Host) psError(msg, fqid string) {
	fmt.Fprintf(h.errw, "%s%s    + CategoryInfo          : NotSpecified: (:) [], %s%s    + FullyQualifiedErrorId : %s%s", msg, h.eol, fqid, h.eol, fqid, h.eol)
}

func (h *Host) println(s string) {
	h.out.WriteString(s)
	h.out.WriteString(h.eol)
}

// frame writes <nonce>:<id>:<n>:<base64>, exactly as Write-WurFrame does.
func (h *Host) frame(id string, v any) {
	js, err := marshalPS(v)
	if err != nil && id != "READY" {
		// Write-WurFrame's fallback: an error envelope says the result
		// could not be serialized, rather than no reply at all.
		env := newEnvelope()
		env.HadErrors = true
		env.Errors = []ErrorRecord{{Message: "ConvertTo-Json failed: " + err.Error(), FQID: "WurReplyNotSerializable,FakeHostJSON",
			Category: "InvalidOperation", ExceptionType: "System.InvalidOperationException", HResult: -2146233079}}
		js, err = marshalPS(env)
	}
	if err != nil {
		h.psError("ConvertTo-Json failed: "+err.Error(), "FakeHostJSON")
		return
	}
	h.println(h.nonce + ":" + id + ":" + strconv.Itoa(len(js)) + ":" + base64.StdEncoding.EncodeToString(js))
}

// marshalPS encodes like ConvertTo-Json -Compress: raw UTF-8, no trailing newline.
func marshalPS(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
